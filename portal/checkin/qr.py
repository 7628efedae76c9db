"""QR codes as inline SVG (no image files, no JS library on the projector)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from markupsafe import escape
from qrcode.constants import ERROR_CORRECT_M

# A fixed mask pattern skips qrcode's trial of all eight masks: about half the cost
# per rotation, and the projector and phones read it just as well.
MASK_PATTERN = 2


def qr_svg(text: str, *, title: str = "") -> str:
    """Return an SVG element drawing `text` as a QR code, scaled by CSS."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, mask_pattern=MASK_PATTERN)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    if title:
        # An accessible name for screen readers; the text itself is for cameras.
        svg = svg.replace(">", f' role="img" aria-label="{escape(title)}">', 1)
    return svg
