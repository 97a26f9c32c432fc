package io.magnetar.pulsaradmin;

import java.util.List;
import org.apache.pulsar.admin.cli.extensions.CommandExecutionContext;
import org.apache.pulsar.admin.cli.extensions.CustomCommand;
import org.apache.pulsar.admin.cli.extensions.CustomCommandFactory;
import org.apache.pulsar.admin.cli.extensions.CustomCommandGroup;

/**
 * {@code pulsar-admin magnetar features|retry|dlq ...}: the magnetar CLI's commands inside pulsar-admin (PIP-201),
 * on pulsar-admin's own web service URL, TLS and authentication settings. Named by
 * {@code customCommandFactories=magnetar} in {@code conf/client.conf}.
 */
public final class MagnetarCommandFactory implements CustomCommandFactory {
    static final String GROUP = "magnetar";

    @Override
    public List<CustomCommandGroup> commandGroups(CommandExecutionContext context) {
        return List.of(new CustomCommandGroup() {
            @Override
            public String name() {
                return GROUP;
            }

            @Override
            public String description() {
                return "Magnetar: tenant feature flags, retry / dead-letter policies, dead-letter re-drives";
            }

            @Override
            public List<CustomCommand> commands(CommandExecutionContext ignored) {
                return List.of(
                        new CliCommand("features", "get|set|reset TENANT [NAME=on|off|default ...]: the tenant's"
                                + " feature flags"),
                        new CliCommand("retry", "get|set|reset TENANT/NAMESPACE | TOPIC SUBSCRIPTION [KEY=VALUE ...]:"
                                + " the retry / dead-letter policy (KEY: maxReconsumeTimes, backoff, deadLetterTopic)"),
                        new CliCommand("dlq", "redrive TOPIC SUBSCRIPTION [--dead-letter-topic T] [--max N]: move a"
                                + " subscription's dead letters back to it"));
            }
        });
    }
}
