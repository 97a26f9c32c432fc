package io.magnetar.rocketmq.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.junit.jupiter.api.Test;

class RocketMqPropertiesTest {
    @Test
    void readsAndWritesTheClientsPropertiesString() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("TAGS", "TagA");
        props.put("KEYS", "k1 k2");
        String wire = MessageDecoder.messageProperties2String(props);
        assertEquals(props, RocketMqProperties.decode(wire));
        assertEquals(props, MessageDecoder.string2messageProperties(RocketMqProperties.encode(props)));
    }

    @Test
    void nullEmptyAndPairsWithoutSeparatorGiveWhatIsReadable() {
        assertEquals(Map.of(), RocketMqProperties.decode(null));
        assertEquals(Map.of(), RocketMqProperties.decode(""));
        assertEquals(Map.of("a", "1"), RocketMqProperties.decode("junk\u0002a\u00011\u0002"));
        assertEquals(Map.of("a", "1"), RocketMqProperties.decode("a\u00011"));
    }
}
