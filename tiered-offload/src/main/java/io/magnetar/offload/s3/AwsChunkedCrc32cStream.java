package io.magnetar.offload.s3;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * An unsigned aws-chunked body ({@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}) with a CRC32C trailer, encoded while the
 * source is read: {@code <hex size>\r\n<bytes>\r\n} per chunk of {@link #CHUNK} bytes (the last one shorter), then
 * {@code 0\r\nx-amz-checksum-crc32c:<base64>\r\n\r\n}. The same bytes as the SDK's own encoder for such a body
 * (whose encoded length the signed {@code Content-Length} is), but the data goes straight from the source into the
 * reader's buffer: no chunk-sized array per chunk and one copy less per byte.
 */
final class AwsChunkedCrc32cStream extends InputStream {
    /** The SDK's chunk size for aws-chunked bodies; the signed Content-Length assumes it. */
    static final int CHUNK = 128 * 1024;
    static final String TRAILER = "x-amz-checksum-crc32c";
    private static final byte[] CRLF = {'\r', '\n'};

    private final InputStream source;
    private final CRC32C crc = new CRC32C();
    private long left;      // source bytes not yet read
    private int chunkLeft;  // data bytes of the current chunk not yet read
    private byte[] framing = new byte[0];
    private int framingPos;
    private boolean trailerDone;

    /** @param length the bytes {@code source} holds (the decoded content length) */
    AwsChunkedCrc32cStream(InputStream source, long length) {
        this.source = source;
        this.left = length;
    }

    /** Bytes of the encoding of {@code length} source bytes. */
    static long encodedLength(long length) {
        long full = length / CHUNK;
        int last = (int) (length % CHUNK);
        long n = full * (Integer.toHexString(CHUNK).length() + 2 + CHUNK + 2);
        if (last > 0) {
            n += Integer.toHexString(last).length() + 2 + last + 2;
        }
        return n + 3 + TRAILER.length() + 1 + 8 + 2 + 2; // 0\r\n, name:base64(4 bytes)\r\n, \r\n
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int done = 0;
        while (done < len) {
            if (framingPos < framing.length) {
                int n = Math.min(len - done, framing.length - framingPos);
                System.arraycopy(framing, framingPos, dst, off + done, n);
                framingPos += n;
                done += n;
            } else if (chunkLeft > 0) {
                int n = source.read(dst, off + done, Math.min(len - done, chunkLeft));
                if (n < 0) {
                    throw new EOFException("the body ended " + (left + chunkLeft) + " bytes early");
                }
                crc.update(dst, off + done, n);
                chunkLeft -= n;
                done += n;
                if (chunkLeft == 0) {
                    frame(CRLF);
                }
                if (done > 0 && framingPos == framing.length && chunkLeft > 0) {
                    return done; // what the source had at hand; do not block for more
                }
            } else if (left > 0) {
                int size = (int) Math.min(CHUNK, left);
                left -= size;
                chunkLeft = size;
                frame((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            } else if (!trailerDone) {
                trailerDone = true;
                frame(("0\r\n" + TRAILER + ":" + base64(crc) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            } else {
                return done > 0 ? done : -1;
            }
        }
        return done;
    }

    private void frame(byte[] bytes) {
        framing = bytes;
        framingPos = 0;
    }

    static String base64(CRC32C crc) {
        int v = (int) crc.getValue();
        return Base64.getEncoder().encodeToString(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8),
                (byte) v});
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
