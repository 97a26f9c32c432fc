package io.magnetar.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.apache.pulsar.common.policies.data.OffloadPoliciesImpl;
import org.junit.jupiter.api.Test;

class OffloadConfigTest {
    private static final Map<String, String> NO_ENV = Map.of();

    /** As the broker builds them from broker.conf. */
    private static OffloadPoliciesImpl conf(String... kv) {
        Properties p = new Properties();
        p.setProperty("managedLedgerOffloadDriver", "magnetar-s3");
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return OffloadPoliciesImpl.create(p);
    }

    private static OffloadConfig parse(Map<String, String> env, String... kv) {
        return OffloadConfig.from(conf(kv), env::get);
    }

    private static void assertRefused(String keyInMessage, String... kv) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(NO_ENV, kv));
        assertTrue(e.getMessage().contains(keyInMessage), "'" + e.getMessage() + "' names " + keyInMessage);
    }

    @Test
    void defaultsForAnS3CompatibleEndpoint() {
        OffloadConfig c = parse(NO_ENV, "managedLedgerOffloadBucket", "offload",
                "managedLedgerOffloadServiceEndpoint", "http://127.0.0.1:9000");
        assertEquals("offload", c.bucket());
        assertEquals("us-east-1", c.region());
        assertEquals("http://127.0.0.1:9000", c.endpoint().orElseThrow().toString());
        assertTrue(c.pathStyle(), "path-style by default with a custom endpoint");
        assertEquals(OffloadConfig.CredentialSource.SDK_DEFAULT_CHAIN, c.credentialSource());
        assertEquals(16L << 20, c.partSizeBytes());
        assertEquals(4, c.uploadConcurrency());
        assertEquals(128L << 20, c.uploadMemoryBytes());
        assertEquals(32L << 20, c.singlePutMaxBytes());
        assertEquals(4L << 20, c.readChunkBytes());
        assertEquals(16L << 20, c.readAheadBytes());
        assertEquals(128L << 20, c.readCacheBytes());
        assertEquals(24 * 3600, c.orphanUploadAgeSeconds());
        assertEquals(io.magnetar.offload.format.EntryCodec.Kind.NONE, c.compression(), "compression off by default");
        assertEquals("", c.prefix());
    }

    @Test
    void uploadBodiesCarryACrc32cByDefaultAndSignedIsTheAlternative() {
        String[] store = {"managedLedgerOffloadBucket", "offload",
                "managedLedgerOffloadServiceEndpoint", "http://127.0.0.1:9000"};
        OffloadConfig dflt = parse(NO_ENV, store);
        assertEquals(OffloadConfig.UploadIntegrity.CRC32C, dflt.uploadIntegrity());
        OffloadConfig signed = parse(NO_ENV, "managedLedgerOffloadBucket", "offload",
                "managedLedgerOffloadServiceEndpoint", "http://127.0.0.1:9000",
                "managedLedgerOffloadExtraConfigUploadIntegrity", "Signed");
        assertEquals(OffloadConfig.UploadIntegrity.SIGNED, signed.uploadIntegrity());
        assertEquals(OffloadConfig.UploadIntegrity.CRC32C, parse(NO_ENV, "managedLedgerOffloadBucket", "offload",
                "managedLedgerOffloadServiceEndpoint", "http://127.0.0.1:9000",
                "managedLedgerOffloadExtraConfigUploadIntegrity", "crc32c").uploadIntegrity());
        // the upload client differs, so the two settings never share one
        assertFalse(dflt.clientKey().equals(signed.clientKey()));
        assertTrue(signed.toString().contains("uploadIntegrity=signed"), signed.toString());
        assertEquals(OffloadConfig.UploadIntegrity.SIGNED,
                signed.at(java.util.Optional.empty(), "eu-west-1").uploadIntegrity());
        assertRefused("managedLedgerOffloadExtraConfigUploadIntegrity", "managedLedgerOffloadBucket", "offload",
                "managedLedgerOffloadServiceEndpoint", "http://127.0.0.1:9000",
                "managedLedgerOffloadExtraConfigUploadIntegrity", "md5");
    }

    @Test
    void awsNeedsARegionAndUsesVirtualHostedAddressing() {
        assertRefused("managedLedgerOffloadRegion", "managedLedgerOffloadBucket", "offload");
        OffloadConfig c = parse(NO_ENV, "managedLedgerOffloadBucket", "offload", "managedLedgerOffloadRegion", "eu-west-1");
        assertEquals("eu-west-1", c.region());
        assertFalse(c.pathStyle());
        assertTrue(c.endpoint().isEmpty());
    }

    @Test
    void legacyS3KeysAreAccepted() {
        OffloadConfig c = parse(NO_ENV, "s3ManagedLedgerOffloadBucket", "legacy-bucket",
                "s3ManagedLedgerOffloadRegion", "us-west-2",
                "s3ManagedLedgerOffloadCredentialId", "AKIDLEGACY", "s3ManagedLedgerOffloadCredentialSecret", "s3cr3t");
        assertEquals("legacy-bucket", c.bucket());
        assertEquals("us-west-2", c.region());
        assertEquals(OffloadConfig.CredentialSource.CONFIG, c.credentialSource());
        assertEquals("AKIDLEGACY", c.accessKeyId());
    }

    @Test
    void badValuesNameTheirKey() {
        assertRefused("managedLedgerOffloadBucket", "managedLedgerOffloadRegion", "eu-west-1");
        assertRefused("managedLedgerOffloadBucket", "managedLedgerOffloadBucket", "Not_A_Bucket",
                "managedLedgerOffloadRegion", "eu-west-1");
        assertRefused("managedLedgerOffloadBucket", "managedLedgerOffloadBucket", "ab",
                "managedLedgerOffloadRegion", "eu-west-1");
        assertRefused("managedLedgerOffloadServiceEndpoint", "managedLedgerOffloadBucket", "b-1",
                "managedLedgerOffloadServiceEndpoint", "ftp://host:21");
        assertRefused("managedLedgerOffloadServiceEndpoint", "managedLedgerOffloadBucket", "b-1",
                "managedLedgerOffloadServiceEndpoint", "http://user:pw@host:9000");
        assertRefused("managedLedgerOffloadRegion", "managedLedgerOffloadBucket", "b-1",
                "managedLedgerOffloadRegion", "Mars Base");
        String[] base = {"managedLedgerOffloadBucket", "b-1", "managedLedgerOffloadServiceEndpoint", "http://h:1"};
        assertRefused("managedLedgerOffloadExtraConfigPathStyleAccess", concat(base,
                "managedLedgerOffloadExtraConfigPathStyleAccess", "yes"));
        assertRefused("managedLedgerOffloadExtraConfigPartSizeBytes", concat(base,
                "managedLedgerOffloadExtraConfigPartSizeBytes", "1048576"));
        assertRefused("managedLedgerOffloadExtraConfigPartSizeBytes", concat(base,
                "managedLedgerOffloadExtraConfigPartSizeBytes", "16MB"));
        assertRefused("managedLedgerOffloadExtraConfigUploadConcurrency", concat(base,
                "managedLedgerOffloadExtraConfigUploadConcurrency", "0"));
        assertRefused("managedLedgerOffloadExtraConfigUploadMemoryBytes", concat(base,
                "managedLedgerOffloadExtraConfigPartSizeBytes", "67108864",
                "managedLedgerOffloadExtraConfigUploadMemoryBytes", "33554432"));
        assertRefused("managedLedgerOffloadExtraConfigPrefix", concat(base,
                "managedLedgerOffloadExtraConfigPrefix", "../escape"));
        // the keys of the faster paths: bad values name their key too
        String[][] bad = {{"Compression", "lz4"}, {"ReadCacheBytes", "1048576"}, {"OrphanUploadAgeSeconds", "5"},
                {"SinglePutMaxBytes", "-1"}, {"ReadAheadBytes", "lots"}};
        for (String[] kv : bad) {
            String key = "managedLedgerOffloadExtraConfig" + kv[0];
            assertRefused(key, concat(base, key, kv[1]));
        }
    }

    @Test
    void credentialsComeInPairs() {
        String[] base = {"managedLedgerOffloadBucket", "b-1", "managedLedgerOffloadServiceEndpoint", "http://h:1"};
        assertRefused("managedLedgerOffloadExtraConfigSecretAccessKey", concat(base,
                "managedLedgerOffloadExtraConfigAccessKeyId", "AKID"));
        assertRefused("s3ManagedLedgerOffloadCredentialId", concat(base,
                "s3ManagedLedgerOffloadCredentialSecret", "x"));
        IllegalArgumentException env = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of("ACCESS_KEY_ID", "AKIDENV"), base));
        assertTrue(env.getMessage().contains("ACCESS_KEY_SECRET"), env.getMessage());
    }

    @Test
    void credentialsFromConfigWinOverTheEnvironment() {
        String[] base = {"managedLedgerOffloadBucket", "b-1", "managedLedgerOffloadServiceEndpoint", "http://h:1"};
        Map<String, String> env = Map.of("ACCESS_KEY_ID", "AKIDENV", "ACCESS_KEY_SECRET", "envsecret");
        OffloadConfig fromEnv = parse(env, base);
        assertEquals(OffloadConfig.CredentialSource.ENVIRONMENT, fromEnv.credentialSource());
        assertEquals("AKIDENV", fromEnv.accessKeyId());
        OffloadConfig fromConf = parse(env, concat(base, "managedLedgerOffloadExtraConfigAccessKeyId", "AKIDCONF",
                "managedLedgerOffloadExtraConfigSecretAccessKey", "confsecret"));
        assertEquals(OffloadConfig.CredentialSource.CONFIG, fromConf.credentialSource());
        assertEquals("AKIDCONF", fromConf.accessKeyId());
        assertEquals("confsecret", fromConf.secretAccessKey());
        assertNull(parse(NO_ENV, base).accessKeyId());
    }

    @Test
    void toStringNeverShowsTheSecret() {
        OffloadConfig c = parse(NO_ENV, "managedLedgerOffloadBucket", "b-1",
                "managedLedgerOffloadServiceEndpoint", "http://h:1",
                "managedLedgerOffloadExtraConfigAccessKeyId", "AKIDEXAMPLE123",
                "managedLedgerOffloadExtraConfigSecretAccessKey", "wJalrXUtnFEMIsecret");
        assertFalse(c.toString().contains("wJalrXUtnFEMIsecret"), c.toString());
        assertFalse(c.toString().contains("AKIDEXAMPLE123"), c.toString());
        assertTrue(c.toString().contains("bucket=b-1"), c.toString());
    }

    @Test
    void extraKeysTuneTheTransfer() {
        OffloadConfig c = parse(NO_ENV, "managedLedgerOffloadBucket", "b-1",
                "managedLedgerOffloadServiceEndpoint", "https://s3.example.com",
                "managedLedgerOffloadExtraConfigPathStyleAccess", "false",
                "managedLedgerOffloadExtraConfigPartSizeBytes", "8388608",
                "managedLedgerOffloadExtraConfigUploadConcurrency", "8",
                "managedLedgerOffloadExtraConfigUploadMemoryBytes", "67108864",
                "managedLedgerOffloadExtraConfigReadChunkBytes", "1048576",
                "managedLedgerOffloadExtraConfigPrefix", "cluster-a",
                "managedLedgerOffloadExtraConfigCompression", "ZSTD",
                "managedLedgerOffloadExtraConfigReadCacheBytes", "0",
                "managedLedgerOffloadExtraConfigSinglePutMaxBytes", "0");
        assertEquals(io.magnetar.offload.format.EntryCodec.Kind.ZSTD, c.compression());
        assertEquals(0, c.readCacheBytes(), "0: no cache");
        assertEquals(0, c.singlePutMaxBytes(), "0: always multipart");
        assertFalse(c.pathStyle());
        assertEquals(8L << 20, c.partSizeBytes());
        assertEquals(8, c.uploadConcurrency());
        assertEquals(64L << 20, c.uploadMemoryBytes());
        assertEquals(1L << 20, c.readChunkBytes());
        assertEquals("cluster-a", c.prefix());
    }

    @Test
    void brokerExtraConfigIsTheDefaultUnderANamespacesOwn() {
        // what Pulsar 4.0 merges for a namespace: broker fields, but an empty extra-configuration map
        Properties broker = new Properties();
        broker.setProperty("managedLedgerOffloadDriver", "magnetar-s3");
        broker.setProperty("managedLedgerOffloadBucket", "b-1");
        broker.setProperty("managedLedgerOffloadServiceEndpoint", "http://h:1");
        broker.setProperty("managedLedgerOffloadExtraConfigPartSizeBytes", "8388608");
        broker.setProperty("managedLedgerOffloadExtraConfigPrefix", "from-broker");
        OffloadPoliciesImpl merged = OffloadPoliciesImpl.mergeConfiguration(null, null, broker);
        assertTrue(merged.getManagedLedgerExtraConfigurations().isEmpty(), "Pulsar drops the extra keys");
        Map<String, String> brokerExtra = OffloadPoliciesImpl.create(broker).getManagedLedgerExtraConfigurations();

        OffloadConfig c = OffloadConfig.from(merged, brokerExtra, k -> null);
        assertEquals("b-1", c.bucket());
        assertEquals(8L << 20, c.partSizeBytes());
        assertEquals("from-broker", c.prefix());

        merged.getManagedLedgerExtraConfigurations().put("Prefix", "from-namespace");
        assertEquals("from-namespace", OffloadConfig.from(merged, brokerExtra, k -> null).prefix());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
