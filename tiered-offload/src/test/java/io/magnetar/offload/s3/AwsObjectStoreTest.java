package io.magnetar.offload.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AwsObjectStoreTest {
    @Test
    void theChecksumHeaderIsTheBase64OfTheBigEndianCrc32c() {
        // CRC32C("123456789") = 0xE3069283, the algorithm's check value
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals("4waSgw==", AwsObjectStore.crc32cBase64(check, check.length));
        byte[] longer = "123456789 and more".getBytes(StandardCharsets.US_ASCII);
        assertEquals("4waSgw==", AwsObjectStore.crc32cBase64(longer, 9), "only the first length bytes count");
        assertEquals("AAAAAA==", AwsObjectStore.crc32cBase64(new byte[0], 0));
    }
}
