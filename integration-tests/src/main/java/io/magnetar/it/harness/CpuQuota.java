package io.magnetar.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * A cgroup (v1 {@code cpu} + {@code cpuacct}) with a CFS quota for one process. Brokers on one host otherwise all
 * report the host's CPU; in its own cgroup a broker reports its own usage against its own limit, because Pulsar
 * reads CPU through the JDK's container metrics, which follow the process's cgroup. Needs root and writable
 * cgroup v1 hierarchies, as on this project's machines.
 */
public final class CpuQuota {
    private static final Path CPU = Paths.get("/sys/fs/cgroup/cpu");
    private static final Path CPUACCT = Paths.get("/sys/fs/cgroup/cpuacct");

    private final Path cpuGroup;
    private final Path cpuacctGroup;

    private CpuQuota(Path cpuGroup, Path cpuacctGroup) {
        this.cpuGroup = cpuGroup;
        this.cpuacctGroup = cpuacctGroup;
    }

    /** Creates {@code magnetar-it/<name>} in both hierarchies with a quota of {@code cores} CPUs. */
    public static CpuQuota create(String name, double cores) {
        if (!Files.isWritable(CPU) || !Files.isWritable(CPUACCT)) {
            throw new IllegalStateException("per-broker CPU quotas need writable cgroup v1 hierarchies at " + CPU
                    + " and " + CPUACCT + " (run as root on a host that mounts them)");
        }
        CpuQuota quota = new CpuQuota(CPU.resolve("magnetar-it").resolve(name),
                CPUACCT.resolve("magnetar-it").resolve(name));
        try {
            Files.createDirectories(quota.cpuGroup);
            Files.createDirectories(quota.cpuacctGroup);
            long period = Long.parseLong(Files.readString(quota.cpuGroup.resolve("cpu.cfs_period_us")).trim());
            Files.writeString(quota.cpuGroup.resolve("cpu.cfs_quota_us"), Long.toString((long) (cores * period)));
        } catch (IOException e) {
            throw new UncheckedIOException("creating cgroup " + name, e);
        }
        return quota;
    }

    /** A command that joins this cgroup and then executes {@code command}. */
    List<String> wrap(List<String> command) {
        String join = "echo $$ > '" + cpuGroup.resolve("cgroup.procs") + "' && echo $$ > '"
                + cpuacctGroup.resolve("cgroup.procs") + "' && exec \"$@\"";
        List<String> wrapped = new java.util.ArrayList<>(List.of("/bin/sh", "-c", join, "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Removes the cgroups; call once their processes have exited. */
    public void remove() {
        for (Path group : List.of(cpuGroup, cpuacctGroup)) {
            try {
                Files.deleteIfExists(group);
            } catch (IOException ignored) {
                // a group still holding a process cannot be removed; it is empty and harmless
            }
        }
    }
}
