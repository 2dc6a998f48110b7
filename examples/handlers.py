"""Every example's handlers in one mapping: `fastsfn serve --handlers examples.handlers:handlers`."""
from examples import iot_handlers, stream_handlers

handlers = {**iot_handlers.handlers, **stream_handlers.handlers}
