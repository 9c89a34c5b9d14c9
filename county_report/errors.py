"""Exceptions that stop a run. Data problems are Findings, never exceptions."""


class ConfigError(Exception):
    """A template, roster or setting is missing or malformed: the run cannot go on (exit 2)."""


class TemplateVariableError(ConfigError):
    """The Word template uses a variable the data does not supply."""


class OutputsBusy(ConfigError):
    """Another run is writing the same outputs folder (outputlock.py); the message is for the
    clerk as it stands: the command line prints it without 配置有误."""
