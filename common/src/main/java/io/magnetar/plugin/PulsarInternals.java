package io.magnetar.plugin;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Start-time checks that the Pulsar classes Magnetar extends or reaches into still have the members it relies on
 * (docs/architecture.md, "Pulsar internals Magnetar relies on"). Without them a changed Pulsar would fail on the
 * publish or dispatch path, or, worse, an override whose signature changed would silently stop being called.
 * Each check throws an {@link IllegalStateException} naming the member, which fails the broker start.
 */
public final class PulsarInternals {

    private PulsarInternals() {
    }

    /**
     * Every method of {@code ours} with one of {@code names} overrides or implements a method of a supertype with
     * the same parameters (a Pulsar method whose signature changed would leave ours uncalled), and at least one
     * method of each name exists.
     */
    public static void requireOverrides(Class<?> ours, String... names) {
        for (String name : names) {
            boolean found = false;
            for (Method method : ours.getDeclaredMethods()) {
                if (!method.getName().equals(name) || method.isSynthetic() || method.isBridge()) {
                    continue;
                }
                found = true;
                if (!inSupertype(ours, method)) {
                    throw missing(ours.getSuperclass().getName() + "." + name + signature(method.getParameterTypes()),
                            ours.getName() + " overrides it");
                }
            }
            if (!found) {
                throw new IllegalArgumentException(ours.getName() + " declares no method " + name);
            }
        }
    }

    /** {@code owner} or one of its superclasses declares {@code name(params)}, whatever its access. */
    public static void requireMethod(Class<?> owner, String name, Class<?>... params) {
        for (Class<?> c = owner; c != null; c = c.getSuperclass()) {
            try {
                c.getDeclaredMethod(name, params);
                return;
            } catch (NoSuchMethodException e) {
                // look further up
            }
        }
        throw missing(owner.getName() + "." + name + signature(params), "Magnetar calls it");
    }

    /** {@code owner} declares the constructor {@code (params)} that a Magnetar subclass calls. */
    public static void requireConstructor(Class<?> owner, Class<?>... params) {
        try {
            owner.getDeclaredConstructor(params);
        } catch (NoSuchMethodException e) {
            throw missing(owner.getName() + signature(params), "a Magnetar subclass calls this constructor");
        }
    }

    /**
     * Runs {@code call}, which invokes the member with a null receiver: the JVM resolves the member (and checks
     * access) before it checks the receiver, so a {@link NullPointerException} means the member links.
     */
    public static void requireLinkable(String member, Runnable call) {
        try {
            call.run();
        } catch (NullPointerException linked) {
            return;
        } catch (LinkageError e) {
            throw missing(member, e.toString());
        }
    }

    private static boolean inSupertype(Class<?> ours, Method method) {
        for (Class<?> c = ours.getSuperclass(); c != null; c = c.getSuperclass()) {
            if (declares(c, method)) {
                return true;
            }
        }
        return Arrays.stream(ours.getInterfaces()).anyMatch(i -> inInterface(i, method));
    }

    private static boolean inInterface(Class<?> type, Method method) {
        return declares(type, method) || Arrays.stream(type.getInterfaces()).anyMatch(i -> inInterface(i, method));
    }

    private static boolean declares(Class<?> type, Method method) {
        try {
            Method theirs = type.getDeclaredMethod(method.getName(), method.getParameterTypes());
            return !Modifier.isPrivate(theirs.getModifiers()) && !Modifier.isStatic(theirs.getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static String signature(Class<?>[] params) {
        return Arrays.stream(params).map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"));
    }

    private static IllegalStateException missing(String member, String why) {
        return new IllegalStateException("Magnetar relies on Pulsar's " + member + " (" + why + "), which this "
                + "broker's Pulsar does not have: this Magnetar build is for Pulsar 4.0 (docs/architecture.md, "
                + "'Pulsar internals Magnetar relies on')");
    }
}
