package io.magnetar.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfFileTest {

    @Test
    void replacesInPlaceDropsLaterDuplicatesAndAppendsTheRest(@TempDir Path tmp) throws Exception {
        Path base = Files.writeString(tmp.resolve("base.conf"), String.join("\n",
                "# brokerServicePort=1 (a comment is left alone)",
                "brokerServicePort=6650",
                "clusterName = standalone",
                "brokerInterceptors=",
                "# BEGIN magnetar",
                "brokerInterceptors=magnetar",
                "# END magnetar",
                ""));
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("brokerServicePort", "16650");
        overrides.put("brokerInterceptors", "other");
        overrides.put("webServicePort", "18080");

        Path out = ConfFile.write(base, tmp.resolve("out/broker.conf"), overrides);

        assertEquals(List.of(
                "# brokerServicePort=1 (a comment is left alone)",
                "brokerServicePort=16650",
                "clusterName = standalone",
                "brokerInterceptors=other",
                "# BEGIN magnetar",
                "# END magnetar",
                "",
                "# test harness overrides",
                "webServicePort=18080"), Files.readAllLines(out));
    }
}
