"""The door-sized screen of a start that cannot go on (a data folder that cannot be written, a second kiosk on
the same database): what to fix, in the station's language (kiosk.door_start words it), and Try again or
Close. It fills the screen like the door would, in large type, so a guard can read it and pass it on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

TEXT_HEIGHT = 0.04  # share of the screen's height
TITLE_HEIGHT = 0.07


class StartProblemScreen(QDialog):
    """`exec()` returns Accepted for Try again, Rejected for Close."""

    def __init__(self, message: str, can_retry: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="startProblem")
        self.title = QLabel(self.tr("The door did not open"), objectName="startProblemTitle")
        self.message = QLabel(message, objectName="startProblemMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry = QPushButton(self.tr("Try again"), objectName="startProblemRetry")
        self.retry.setVisible(can_retry)
        self.retry.clicked.connect(self.accept)
        self.close_button = QPushButton(self.tr("Close"), objectName="startProblemClose")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.retry)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 48, 48, 48)
        layout.setSpacing(32)
        layout.addWidget(self.title)
        layout.addWidget(self.message, 1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(buttons)
        self.setWindowTitle(self.title.text())
        (self.retry if can_retry else self.close_button).setDefault(True)
        self._fit()

    def _fit(self) -> None:
        """Type for the screen it is on, large enough to read from where a guard stands (in the style sheet:
        the application's theme sets the fonts there, over any setFont)."""
        screen = self.screen()
        height = screen.geometry().height() if screen is not None else 768
        text, title = max(16, int(height * TEXT_HEIGHT)), max(24, int(height * TITLE_HEIGHT))
        self.setStyleSheet(
            f"#startProblem {{ background: #37474F; }}"
            f"#startProblemTitle {{ color: #FFFFFF; font-size: {title}px; font-weight: bold; }}"
            f"#startProblemMessage {{ color: #FFFFFF; font-size: {text}px; }}"
            f"#startProblem QPushButton {{ font-size: {text}px; font-weight: bold; padding: {text // 2}px "
            f"{text}px; min-width: {text * 6}px; }}")


def ask_after_start_problem(message: str, can_retry: bool, full_screen: bool = True) -> bool:
    """Show `message` door-sized until the guard chooses; True for Try again."""
    screen = StartProblemScreen(message, can_retry)
    screen.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, full_screen)
    if full_screen:  # shown by exec(), which makes it modal only if it was not visible yet
        screen.setGeometry(screen.screen().geometry())  # without a window manager the state alone does not
        screen.setWindowState(Qt.WindowState.WindowFullScreen)
    else:
        screen.resize(1280, 800)
    return screen.exec() == QDialog.DialogCode.Accepted
