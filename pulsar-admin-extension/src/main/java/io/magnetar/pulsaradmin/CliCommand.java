package io.magnetar.pulsaradmin;

import io.magnetar.cli.MagnetarCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.admin.cli.extensions.CommandExecutionContext;
import org.apache.pulsar.admin.cli.extensions.CustomCommand;
import org.apache.pulsar.admin.cli.extensions.ParameterDescriptor;
import org.apache.pulsar.admin.cli.extensions.ParameterType;
import org.apache.pulsar.client.admin.PulsarAdminException;

/**
 * One magnetar CLI command ({@code features}, {@code retry}, {@code dlq}) as a pulsar-admin command. PIP-201 gives a
 * command only single-valued parameters, so its words are declared as consecutive positional slots and handed to
 * {@link MagnetarCli} in order, which parses and validates them exactly as {@code bin/magnetar} does. Slots are
 * all optional: picocli orders a required positional after the optional ones.
 */
final class CliCommand implements CustomCommand {
    /** Enough for the longest command line: {@code features set TENANT} with every feature assigned. */
    static final int WORDS = 12;

    private final String name;
    private final String description;

    CliCommand(String name, String description) {
        this.name = name;
        this.description = description;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public List<ParameterDescriptor> parameters() {
        List<ParameterDescriptor> words = new ArrayList<>(WORDS);
        for (int i = 0; i < WORDS; i++) {
            words.add(ParameterDescriptor.builder()
                    .names(List.of(word(i)))
                    .mainParameter(true)
                    .type(ParameterType.STRING)
                    .description(i == 0 ? description : "")
                    .build());
        }
        return words;
    }

    @Override
    public boolean execute(Map<String, Object> parameters, CommandExecutionContext context) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(name);
        argv.addAll(words(parameters));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        MagnetarCli cli = PulsarAdminEndpoint.of(context.getPulsarAdmin())
                .cli(System.out, new PrintStream(errors, true, StandardCharsets.UTF_8));
        int code = cli.run(argv.toArray(String[]::new));
        if (code != 0) {
            // pulsar-admin ignores execute's result: only an exception gives the shell a non-zero exit code.
            String reason = reason(errors.toString(StandardCharsets.UTF_8));
            throw new PulsarAdminException(reason, null, reason, -1);
        }
        return true;
    }

    /**
     * The CLI's error output as pulsar-admin shows a failure: its first line without the {@code magnetar: } prefix
     * (the standalone CLI's usage text that follows a usage error names options pulsar-admin does not have).
     */
    static String reason(String errors) {
        String first = errors.strip().lines().findFirst().orElse("failed");
        return first.startsWith("magnetar: ") ? first.substring("magnetar: ".length()) : first;
    }

    /** The words given, in order, up to the first slot left empty. */
    static List<String> words(Map<String, Object> parameters) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < WORDS; i++) {
            Object word = parameters.get(word(i));
            if (word == null) {
                break;
            }
            words.add(word.toString());
        }
        return words;
    }

    private static String word(int i) {
        return "word" + i;
    }
}
