package io.magnetar.rocketmq.remoting;

/**
 * Typed reads of a request's extension fields (RocketMQ's custom headers travel as strings).
 * A missing or unparsable required field raises {@link InvalidHeaderException} naming it.
 */
public final class HeaderFields {
    private final RemotingCommand command;

    public HeaderFields(RemotingCommand command) {
        this.command = command;
    }

    public String string(String name) throws InvalidHeaderException {
        String value = command.ext(name);
        if (value == null || value.isEmpty()) {
            throw new InvalidHeaderException("header field " + name + " is missing");
        }
        return value;
    }

    public String optionalString(String name) {
        return command.ext(name);
    }

    public int integer(String name) throws InvalidHeaderException {
        String value = string(name);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidHeaderException("header field " + name + " is not an int: " + value);
        }
    }

    public int optionalInteger(String name, int absent) throws InvalidHeaderException {
        return command.ext(name) == null ? absent : integer(name);
    }

    public long longValue(String name) throws InvalidHeaderException {
        String value = string(name);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidHeaderException("header field " + name + " is not a long: " + value);
        }
    }

    public long optionalLong(String name, long absent) throws InvalidHeaderException {
        return command.ext(name) == null ? absent : longValue(name);
    }

    /** A required field that is missing or malformed. */
    public static final class InvalidHeaderException extends Exception {
        public InvalidHeaderException(String message) {
            super(message);
        }
    }
}
