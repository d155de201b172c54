"""The one exception type users see.

A ``GalrecError`` is a mistake the user can fix (a bad file, a wrong config key, a missing run
folder). The CLI prints its message on one line and exits with status 2; anything else is a bug
and keeps its traceback.
"""


class GalrecError(Exception):
    """A user-fixable problem; the message must say what was wrong and where."""


EXIT_USER_ERROR = 2
