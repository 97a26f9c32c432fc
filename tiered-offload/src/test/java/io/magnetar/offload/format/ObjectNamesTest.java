package io.magnetar.offload.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class ObjectNamesTest {
    private static final UUID UID = UUID.fromString("0f8c5c4e-7c1d-4a43-9a9e-0d6a5b7c2e11");

    @Test
    void namesDependOnlyOnPrefixUidAndLedger() {
        assertEquals("magnetar/0f8c5c4e-7c1d-4a43-9a9e-0d6a5b7c2e11-ledger-17.data", ObjectNames.dataKey("", UID, 17));
        assertEquals("magnetar/0f8c5c4e-7c1d-4a43-9a9e-0d6a5b7c2e11-ledger-17.index", ObjectNames.indexKey(null, UID, 17));
        assertEquals(ObjectNames.dataKey("p", UID, 17), ObjectNames.dataKey("p", UID, 17));
        assertNotEquals(ObjectNames.dataKey("", UID, 17), ObjectNames.dataKey("", UID, 18));
        assertNotEquals(ObjectNames.dataKey("", UID, 17), ObjectNames.dataKey("", UUID.randomUUID(), 17));
    }

    @Test
    void neverCollideWithPulsarsJcloudKeys() {
        String jcloudData = UID + "-ledger-17";
        assertNotEquals(jcloudData, ObjectNames.dataKey("", UID, 17));
        assertNotEquals(jcloudData + "-index", ObjectNames.indexKey("", UID, 17));
    }

    @Test
    void prefixIsNormalized() {
        assertEquals("a/b/", ObjectNames.normalizePrefix("/a/b//"));
        assertEquals("", ObjectNames.normalizePrefix(" / "));
        assertEquals("cluster1/magnetar/" + UID + "-ledger-1.data", ObjectNames.dataKey("cluster1/", UID, 1));
    }

    @Test
    void refusesMissingUidOrNegativeLedger() {
        assertThrows(IllegalArgumentException.class, () -> ObjectNames.dataKey("", null, 1));
        assertThrows(IllegalArgumentException.class, () -> ObjectNames.dataKey("", UID, -1));
    }
}
