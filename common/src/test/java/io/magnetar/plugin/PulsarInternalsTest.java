package io.magnetar.plugin;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PulsarInternalsTest {

    static class Base {
        protected void onEvent(String event) {
        }

        long pending() {
            return 0;
        }
    }

    static class StillOverrides extends Base {
        @Override
        protected void onEvent(String event) {
        }
    }

    /** What an override becomes when the base class changes the parameter type: a new method nobody calls. */
    static class NoLongerOverrides extends Base {
        protected void onEvent(CharSequence event) {
        }
    }

    @Test
    void anOverrideWhoseBaseMethodChangedFailsNamingTheMember() {
        assertDoesNotThrow(() -> PulsarInternals.requireOverrides(StillOverrides.class, "onEvent"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PulsarInternals.requireOverrides(NoLongerOverrides.class, "onEvent"));
        assertTrue(e.getMessage().contains("PulsarInternalsTest$Base.onEvent(CharSequence)"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PulsarInternals.requireOverrides(StillOverrides.class, "onEvnt"));
    }

    @Test
    void membersAndConstructorsAreLookedUpWhateverTheirAccess() {
        assertDoesNotThrow(() -> PulsarInternals.requireMethod(StillOverrides.class, "pending"));
        assertDoesNotThrow(() -> PulsarInternals.requireConstructor(Base.class));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PulsarInternals.requireMethod(Base.class, "pending", int.class));
        assertTrue(e.getMessage().contains("Base.pending(int)"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> PulsarInternals.requireConstructor(Base.class, int.class));
    }

    @Test
    void aLinkageErrorFailsAndANullReceiverPasses() {
        Base none = null;
        assertDoesNotThrow(() -> PulsarInternals.requireLinkable("Base.pending()", () -> none.pending()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PulsarInternals.requireLinkable("Producer.getPendingPublishAcks()", () -> {
                    throw new IllegalAccessError("tried to access method getPendingPublishAcks()");
                }));
        assertTrue(e.getMessage().contains("Producer.getPendingPublishAcks()"), e.getMessage());
    }
}
