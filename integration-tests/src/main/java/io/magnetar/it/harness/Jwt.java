package io.magnetar.it.harness;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** A secret key and the HS256 JWTs it signs, as {@code bin/pulsar tokens create-secret-key / create} make them. */
public final class Jwt {
    private final byte[] key = new byte[32];

    public Jwt() {
        new SecureRandom().nextBytes(key);
    }

    /** The broker's {@code tokenSecretKey} value. */
    public String secretKeyConf() {
        return "data:;base64," + Base64.getEncoder().encodeToString(key);
    }

    /** A token whose role is {@code subject}. */
    public String token(String subject) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(("{\"sub\":\"" + subject + "\"}").getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] signature = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.UTF_8));
            return header + "." + payload + "." + b64.encodeToString(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
