"""Private machinery: the reactor, timer queue and completion helper."""
