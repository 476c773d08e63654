# The English interface keeps the Swedish clinical date and number conventions.
from mittvaccin.formats.sv.formats import *  # noqa: F403
