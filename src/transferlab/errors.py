"""Errors a user can act on: a stage prints them without a traceback and exits non-zero."""


class TransferlabError(Exception):
    """An error caused by the user's input or environment, with a message that says what to do."""


class ParamsError(TransferlabError):
    """A value in params.yaml is missing, of the wrong type, or out of range."""


class DownloadError(TransferlabError):
    """A download failed; the message names the URL and what can be placed by hand."""
