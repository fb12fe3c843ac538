class PracticeError(Exception):
    """A step of the good-practice workflow is not possible; the message is German."""
