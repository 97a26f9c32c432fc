package io.magnetar.offload.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AwsChunkedCrc32cStreamTest {
    private static final int CHUNK = AwsChunkedCrc32cStream.CHUNK;

    /** A source handing out at most {@code max} bytes per read, as a pipe does at a block's end. */
    private static InputStream trickling(byte[] data, int max) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, max));
            }
        };
    }

    private static byte[] drain(InputStream in, int readSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[readSize];
        int n;
        while ((n = in.read(buf, 0, readSize)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] expected(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int off = 0; off < data.length; off += CHUNK) {
            int n = Math.min(CHUNK, data.length - off);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data, off, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(("0\r\nx-amz-checksum-crc32c:" + AwsObjectStore.crc32cBase64(data, data.length) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void chunksOfTheSdksSizeThenTheCrc32cTrailerWhateverTheReadSizes() throws IOException {
        for (int n : new int[] {0, 5, CHUNK, CHUNK + 7, 2 * CHUNK + 1}) {
            byte[] data = new byte[n];
            new SplittableRandom(n).nextBytes(data);
            byte[] want = expected(data);
            assertEquals(want.length, AwsChunkedCrc32cStream.encodedLength(n), "n=" + n);
            for (int readSize : new int[] {1, 3, 16 * 1024, 1 << 20}) {
                for (int trickle : new int[] {1, 1000, Integer.MAX_VALUE}) {
                    if (readSize == 1 && n > CHUNK || trickle == 1 && n > CHUNK + 7) {
                        continue; // byte by byte over several chunks: slow, nothing new
                    }
                    byte[] got = drain(new AwsChunkedCrc32cStream(trickling(data, trickle), n), readSize);
                    assertArrayEquals(want, got, "n=" + n + " read " + readSize + " trickle " + trickle);
                }
            }
        }
    }

    @Test
    void aSourceShorterThanDeclaredFailsInsteadOfSendingAWrongBody() {
        byte[] data = new byte[1000];
        AwsChunkedCrc32cStream in = new AwsChunkedCrc32cStream(new ByteArrayInputStream(data), 1001);
        EOFException e = assertThrows(EOFException.class, () -> drain(in, 4096));
        assertEquals("the body ended 1 bytes early", e.getMessage());
    }
}
