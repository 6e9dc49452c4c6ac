"""ComplaintDesk (客诉管理台): the application's front door."""

__version__ = "0.1.0"
APP_NAME = "ComplaintDesk"
APP_TITLE = "客诉管理台"
