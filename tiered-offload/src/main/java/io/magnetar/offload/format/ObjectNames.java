package io.magnetar.offload.format;

import java.util.UUID;

/**
 * Object keys of an offloaded ledger, derived only from the offload's uid and the ledger id (plus the configured
 * prefix), so a retry of the same offload writes the same keys and a reader needs nothing else to find them.
 * They live under {@code magnetar/}, apart from the keys of Pulsar's jcloud offloader ({@code <uid>-ledger-<id>}).
 */
public final class ObjectNames {
    private ObjectNames() {
    }

    public static String dataKey(String prefix, UUID uid, long ledgerId) {
        return base(prefix, uid, ledgerId) + ".data";
    }

    public static String indexKey(String prefix, UUID uid, long ledgerId) {
        return base(prefix, uid, ledgerId) + ".index";
    }

    /** The data object Pulsar's jcloud offloader writes (format v1): {@code <uid>-ledger-<id>}, no prefix. */
    public static String jcloudDataKey(UUID uid, long ledgerId) {
        base("", uid, ledgerId); // same argument checks
        return uid + "-ledger-" + ledgerId;
    }

    /** The index object Pulsar's jcloud offloader writes next to its data object. */
    public static String jcloudIndexKey(UUID uid, long ledgerId) {
        return jcloudDataKey(uid, ledgerId) + "-index";
    }

    private static String base(String prefix, UUID uid, long ledgerId) {
        if (uid == null) {
            throw new IllegalArgumentException("offload uid is required");
        }
        if (ledgerId < 0) {
            throw new IllegalArgumentException("ledger id must be >= 0: " + ledgerId);
        }
        return normalizePrefix(prefix) + "magnetar/" + uid + "-ledger-" + ledgerId;
    }

    /** "" or a prefix ending in exactly one '/'. */
    public static String normalizePrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return "";
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? "" : p + "/";
    }
}
