package io.magnetar.offload.format;

import java.io.IOException;

/** An index or data object that is not what the offloader wrote: truncated, of another ledger, or corrupt. */
public final class CorruptIndexException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptIndexException(String message) {
        super(message);
    }
}
