package io.magnetar.pulsaradmin;

import io.magnetar.cli.MagnetarCli;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.admin.internal.PulsarAdminImpl;
import org.apache.pulsar.client.api.Authentication;
import org.apache.pulsar.client.api.AuthenticationDataProvider;
import org.apache.pulsar.client.impl.conf.ClientConfigurationData;
import org.apache.pulsar.common.util.SecurityUtility;

/**
 * pulsar-admin's connection, as the magnetar CLI needs it: the web service URL, an HTTP client with pulsar-admin's
 * TLS trust and client certificate, and the HTTP headers of its authentication plugin (token, basic, ...).
 */
record PulsarAdminEndpoint(String url, HttpClient http, Authentication auth) {

    /** pulsar-admin's client configuration is public on its implementation class only (4.0 and 4.2 alike). */
    static PulsarAdminEndpoint of(PulsarAdmin admin) {
        if (!(admin instanceof PulsarAdminImpl impl)) {
            throw new IllegalStateException("pulsar-admin handed over a " + admin.getClass().getName()
                    + ", not its PulsarAdminImpl: cannot read its TLS and authentication settings");
        }
        ClientConfigurationData conf = impl.getClientConfigData();
        String url = admin.getServiceUrl();
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (url.startsWith("https://")) {
            http.sslContext(sslContext(conf));
        }
        return new PulsarAdminEndpoint(url, http.build(), conf.getAuthentication());
    }

    MagnetarCli cli(PrintStream out, PrintStream err) {
        return new MagnetarCli(out, err, url, http, this::headers);
    }

    /** The authentication plugin's HTTP headers for this host; none without a plugin or HTTP data. */
    Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        if (auth == null) {
            return headers;
        }
        try {
            AuthenticationDataProvider data = auth.getAuthData(URI.create(url).getHost());
            if (data.hasDataForHttp() && data.getHttpHeaders() != null) {
                data.getHttpHeaders().forEach(e -> headers.put(e.getKey(), e.getValue()));
            }
        } catch (Exception e) {
            throw new IllegalStateException("pulsar-admin's authentication plugin " + auth.getAuthMethodName()
                    + " gave no HTTP credentials: " + e.getMessage(), e);
        }
        return headers;
    }

    private static SSLContext sslContext(ClientConfigurationData conf) {
        try {
            return SecurityUtility.createSslContext(conf.isTlsAllowInsecureConnection(),
                    conf.getTlsTrustCertsFilePath(), conf.getTlsCertificateFilePath(), conf.getTlsKeyFilePath(), null);
        } catch (Exception e) {
            throw new IllegalStateException("cannot build pulsar-admin's TLS context (tlsTrustCertsFilePath "
                    + conf.getTlsTrustCertsFilePath() + "): " + e.getMessage(), e);
        }
    }
}
