"""Sending mail: through SMTP when MAIL_SERVER is set, otherwise into the instance outbox folder for developers."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from core.types import utcnow

log = logging.getLogger(__name__)


def outbox_folder() -> Path:
    """Where mail goes when there is no SMTP server: MAIL_OUTBOX, or <instance>/outbox."""
    return Path(current_app.config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from the configured sender."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=current_app.config["MAIL_FROM"].rpartition("@")[2] or None)
    # plain 7bit keeps a long link on one line in the .eml, so a developer can copy it from the file
    message.set_content(body, cte="7bit" if body.isascii() else None)
    return message


def send_mail(to: str, subject: str, body: str, wait: bool = True) -> Path | None:
    """Send one message; return the .eml file it was written to when there is no SMTP server.

    :param wait: False hands SMTP delivery to a background thread, so the response time says nothing about
        whether a message was sent (the outbox is written at once either way)
    """
    message = build_message(to, subject, body)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        settings = {key: config.get(key) for key in SMTP_SETTINGS}
        if wait:
            deliver(settings, message)
        else:
            threading.Thread(target=_deliver_in_background, args=(settings, message), daemon=True).start()
        return None
    folder = outbox_folder()
    folder.mkdir(parents=True, exist_ok=True)
    # names sort by the time they were written
    path = folder / f"{utcnow():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:6]}.eml"
    path.write_bytes(message.as_bytes())
    # the link is in the file, never in the log
    log.info("Mail %r to %s written to %s", message["Subject"], to, path)
    return path


SMTP_SETTINGS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD")


def deliver(settings: dict, message: EmailMessage) -> None:
    """Hand one message to the SMTP server, with STARTTLS unless MAIL_USE_TLS is off."""
    with smtplib.SMTP(settings["MAIL_SERVER"], int(settings["MAIL_PORT"]), timeout=30) as smtp:
        if settings.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if settings.get("MAIL_USERNAME"):
            smtp.login(settings["MAIL_USERNAME"], settings.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
    log.info("Mail %r sent to %s through %s", message["Subject"], message["To"], settings["MAIL_SERVER"])


def _deliver_in_background(settings: dict, message: EmailMessage) -> None:
    try:
        deliver(settings, message)
    except (OSError, smtplib.SMTPException):
        log.exception("Mail %r to %s could not be sent", message["Subject"], message["To"])
