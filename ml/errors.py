"""Errors a user can cause and fix: the command line prints their message on one line, without a
traceback; every other exception is a bug and keeps its traceback."""


class UserError(Exception):
    """Bad data, a bad option or an unusable artifacts folder; the message says what to fix."""


class OptionError(UserError, ValueError):
    """A command-line option whose value does not fit the data; the message names the option."""

    def __init__(self, option: str, message: str):
        super().__init__(f"{option}: {message}")
        self.option = option
