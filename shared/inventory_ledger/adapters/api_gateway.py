"""What API Gateway hands us, turned back into what Shopify sent."""

import base64
import binascii


class UndecodableBody(ValueError):
    pass


def raw_body_of(body: str | None, is_base64_encoded: bool) -> bytes:
    """The exact bytes Shopify signed. API Gateway base64-encodes bodies it treats as binary."""
    if body is None:
        return b""
    if not is_base64_encoded:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as error:
        raise UndecodableBody("body is not valid base64") from error
