from django import template

from learning.access import may_read_learning
from organisations.models import Membership

register = template.Library()


@register.filter(name="may_read_learning")
def may_read_learning_filter(membership: Membership) -> bool:
    """For the main menu: whether the member reads the learning log and the escalations."""
    return may_read_learning(membership)
