"""The shape of JSON values as the simulator passes them around (GraphQL variables, answers, bodies)."""

type JsonValue = bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None
type JsonObject = dict[str, JsonValue]
