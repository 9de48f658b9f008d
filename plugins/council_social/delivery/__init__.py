"""Getting reports to people: compose an email, send it once, and keep a record of who got what.

Import-light: Airflow is only imported when a message is actually delivered.
"""

from council_social.delivery.email import DEFAULT_SENDER, Attachment, compose, deliver
from council_social.delivery.log import Delivery, DeliveryLog

__all__ = ["DEFAULT_SENDER", "Attachment", "Delivery", "DeliveryLog", "compose", "deliver"]
