import smtplib
from email.message import EmailMessage

from ..settings import settings


def _build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def _deliver(message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


def send_welcome_email(email: str, name: str) -> None:
    body = f"Hi {name},\n\nThanks for joining the Bookstore. Happy reading!\n"
    _deliver(_build_message(email, "Welcome to the Bookstore", body))
