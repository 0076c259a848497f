"""Sending e-mail: SMTP when configured, otherwise .eml files in the outbox folder."""

import os
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parsedate_to_datetime

from flask import current_app


@dataclass
class OutboxMessage:
    name: str
    to: str
    subject: str
    date: datetime
    body: str


def outbox_dir() -> str:
    """Return the folder where messages are written when no SMTP server is configured."""
    folder = current_app.config.get("OUTBOX_DIR") or os.path.join(
        current_app.instance_path, "outbox"
    )
    os.makedirs(folder, exist_ok=True)
    return folder


def send_mail(to: str | list[str], subject: str, body_text: str) -> None:
    """Send a plain-text French message to one or more addresses."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = ", ".join([to] if isinstance(to, str) else to)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="annuaire.local")
    message.set_content(body_text)
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(message)
    else:
        _write_outbox(message)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_STARTTLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_outbox(message: EmailMessage) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = os.path.join(outbox_dir(), f"{stamp}-{os.urandom(3).hex()}.eml")
    with open(path, "wb") as handle:
        handle.write(message.as_bytes(policy=policy.SMTP))


def outbox_messages() -> list[OutboxMessage]:
    """Return the messages of the outbox, newest first."""
    folder = outbox_dir()
    names = sorted((n for n in os.listdir(folder) if n.endswith(".eml")), reverse=True)
    return [read_outbox(name) for name in names]


def read_outbox(name: str) -> OutboxMessage | None:
    """Read one outbox message by file name (None if it does not exist)."""
    if os.path.basename(name) != name or not name.endswith(".eml"):
        return None
    path = os.path.join(outbox_dir(), name)
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as handle:
        parsed = BytesParser(policy=policy.default).parse(handle)
    return OutboxMessage(
        name=name,
        to=str(parsed["To"]),
        subject=str(parsed["Subject"]),
        date=parsedate_to_datetime(str(parsed["Date"])),
        body=parsed.get_body(preferencelist=("plain",)).get_content(),
    )
