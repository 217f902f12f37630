"""The JSON control API under /_control/: how a test plays Shopify's side (see docs/shopify-simulator.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import control_models as m
from .bulk import refresh_bulk
from .commerce import CommerceError, OrderLineSpec
from .delivery import DeliveryMode
from .faults import Fault
from .fulfilment_moves import move_fulfilment_orders
from .ids import gid
from .lifecycle import install, send_compliance
from .simulator import Simulator
from .state import Shop
from .throttle import PLANS, LeakyBucket
from .webhooks import order_body, order_edit_body, refund_body

S = "/_control/shops/<shop>"
RULES = [
    ("/_control/health", "GET", "health"),
    ("/_control/reset", "POST", "reset"),
    ("/_control/seed", "POST", "seed"),
    ("/_control/clock/advance", "POST", "advance"),
    ("/_control/shops", "POST", "create_shop"),
    (S, "GET", "get_shop"),
    (f"{S}/plan", "PUT", "set_plan"),
    (f"{S}/seed", "POST", "seed_shop"),
    (f"{S}/levels", "GET", "get_levels"),
    (f"{S}/levels", "POST", "put_level"),
    (f"{S}/admin/levels", "POST", "admin_edit"),
    (f"{S}/webhooks", "GET", "list_webhooks"),
    (f"{S}/webhooks", "POST", "subscribe"),
    (f"{S}/webhooks/<int:sub_id>", "DELETE", "unsubscribe"),
    (f"{S}/delivery", "GET", "get_delivery"),
    (f"{S}/delivery", "PUT", "set_delivery"),
    (f"{S}/delivery/flush", "POST", "flush"),
    (f"{S}/deliveries", "GET", "deliveries"),
    (f"{S}/events", "GET", "events"),
    (f"{S}/orders", "POST", "place_order"),
    (f"{S}/orders/<int:order_id>", "GET", "get_order"),
    (f"{S}/orders/<int:order_id>/fulfil", "POST", "fulfil"),
    (f"{S}/orders/<int:order_id>/move", "POST", "move_fulfilment"),
    (f"{S}/orders/<int:order_id>/cancel", "POST", "cancel"),
    (f"{S}/orders/<int:order_id>/refunds", "POST", "refund"),
    (f"{S}/orders/<int:order_id>/edits", "POST", "edit_order"),
    (f"{S}/orders/<int:order_id>/exchanges", "POST", "exchange"),
    (f"{S}/orders/<int:order_id>/returns", "POST", "return_units"),
    (f"{S}/faults", "GET", "list_faults"),
    (f"{S}/faults", "POST", "add_fault"),
    (f"{S}/faults", "DELETE", "clear_faults"),
    (f"{S}/faults/stale", "POST", "force_stale"),
    (f"{S}/bulk", "PUT", "bulk_settings"),
    (f"{S}/bulk/complete", "POST", "bulk_complete"),
    (f"{S}/app/uninstall", "POST", "uninstall_app"),
    (f"{S}/app/install", "POST", "install_app"),
    (f"{S}/compliance", "POST", "compliance"),
]


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


class ControlAPI:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.url_map = Map([Rule(path, methods=[method], endpoint=name) for path, method, name in RULES])

    def __call__(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, matched = adapter.match()
            handler: Callable[..., Any] = getattr(self, f"_{endpoint}")
            args = dict(matched)
            if "shop" in args:
                args["shop"] = self._shop(args["shop"])
            result = handler(request, **args)
            return result if isinstance(result, Response) else _json(result)
        except ValidationError as exc:
            return _json({"error": "invalid request", "details": json.loads(exc.json())}, 422)
        except CommerceError as exc:
            return _json({"error": str(exc)}, 409)
        except HTTPException as exc:
            return _json({"error": exc.description}, exc.code or 500)

    def _shop(self, domain: str) -> Shop:
        shop = self.sim.state.shop(domain)
        if shop is None:
            raise NotFound(f"unknown shop {domain}")
        return shop

    @staticmethod
    def _body[T: BaseModel](request: Request, model: type[T]) -> T:
        raw = request.get_data(as_text=True) or "{}"
        return model.model_validate_json(raw)

    # -- endpoints -----------------------------------------------------------------------------
    def _health(self, request: Request) -> dict[str, Any]:
        return {"ok": True, "base_url": self.sim.state.base_url, "now": self.sim.clock.now()}

    def _reset(self, request: Request) -> dict[str, Any]:
        self.sim.reset()
        return {"ok": True}

    def _seed(self, request: Request) -> dict[str, Any]:
        shops = self.sim.seed(self._body(request, m.SeedFile))
        return {"shops": [self.sim.shop_summary(s) for s in shops]}

    def _advance(self, request: Request) -> dict[str, Any]:
        self.sim.advance(self._body(request, m.ClockAdvance).seconds)
        return {"now": self.sim.clock.now()}

    def _create_shop(self, request: Request) -> Response:
        shop = self.sim.add_shop(self._body(request, m.ShopSpec))
        return _json(self.sim.shop_summary(shop), 201)

    def _get_shop(self, request: Request, shop: Shop) -> dict[str, Any]:
        return self.sim.shop_summary(shop)

    def _set_plan(self, request: Request, shop: Shop) -> dict[str, Any]:
        body = self._body(request, m.PlanUpdate)
        if body.plan is not None:
            shop.plan = body.plan
            size, rate = PLANS[body.plan]
            shop.bucket = LeakyBucket(size, rate, self.sim.clock)
        if body.maximum_available is not None:
            shop.bucket.maximum = body.maximum_available
        if body.restore_rate is not None:
            shop.bucket.restore_rate = body.restore_rate
        if body.currently_available is not None:
            shop.bucket.set_available(body.currently_available)
        return {"plan": shop.plan, "throttle_status": shop.bucket.status()}

    def _seed_shop(self, request: Request, shop: Shop) -> dict[str, Any]:
        self.sim.seed_shop(shop, self._body(request, m.ShopSeed))
        return self.sim.shop_summary(shop)

    def _get_levels(self, request: Request, shop: Shop) -> dict[str, Any]:
        return {"levels": self.sim.levels(shop)}

    def _put_level(self, request: Request, shop: Shop) -> dict[str, Any]:
        self.sim.set_level(shop, self._body(request, m.LevelSpec))
        return {"levels": self.sim.levels(shop)}

    def _admin_edit(self, request: Request, shop: Shop) -> dict[str, Any]:
        body = self._body(request, m.AdminLevelEdit)
        item_id, loc_id = self.sim.resolve(shop, body)
        level = self.sim.commerce.admin_set_available(shop, item_id, loc_id, body.available)
        return {"inventory_item_id": item_id, "location_id": loc_id, "quantities": level.as_dict()}

    def _list_webhooks(self, request: Request, shop: Shop) -> dict[str, Any]:
        return {"webhooks": [vars(s).copy() for s in self.sim.delivery.subscriptions(shop.domain)]}

    def _subscribe(self, request: Request, shop: Shop) -> Response:
        body = self._body(request, m.WebhookSpec)
        sub = self.sim.delivery.subscribe(shop.domain, body.topic, body.address)
        return _json(vars(sub).copy(), 201)

    def _unsubscribe(self, request: Request, shop: Shop, sub_id: int) -> dict[str, Any]:
        if not self.sim.delivery.unsubscribe(shop.domain, sub_id):
            raise NotFound(f"unknown subscription {sub_id}")
        return {"ok": True}

    def _get_delivery(self, request: Request, shop: Shop) -> dict[str, Any]:
        return vars(self.sim.delivery.mode(shop.domain)).copy()

    def _set_delivery(self, request: Request, shop: Shop) -> dict[str, Any]:
        body = self._body(request, m.DeliveryModeSpec)
        self.sim.delivery.set_mode(shop.domain, DeliveryMode(**body.model_dump()))
        return body.model_dump()

    def _flush(self, request: Request, shop: Shop) -> dict[str, Any]:
        body = self._body(request, m.FlushSpec)
        return {"released": self.sim.delivery.flush(shop.domain, body.shuffle_seed, reverse=body.reverse)}

    def _deliveries(self, request: Request, shop: Shop) -> dict[str, Any]:
        d = self.sim.delivery
        return {
            "attempts": [a.as_dict() for a in d.attempts(shop.domain)],
            "held": d.held_count(shop.domain),
            "idle": d.idle(),
        }

    def _events(self, request: Request, shop: Shop) -> dict[str, Any]:
        return {
            "events": [
                {"event_id": e.event_id, "topic": e.topic, "triggered_at": e.triggered_at, "body": e.body.decode()}
                for e in self.sim.delivery.events(shop.domain)
            ]
        }

    def _place_order(self, request: Request, shop: Shop) -> Response:
        body = self._body(request, m.PlaceOrder)
        location_id = _location_id(shop, body.location) if body.location is not None else body.location_id
        order = self.sim.commerce.place_order(
            shop,
            [OrderLineSpec(li.sku, li.quantity, li.inventory_item_id, li.custom_title) for li in body.lines],
            location_id,
            body.email,
            _location_id(shop, body.route_to) if body.route_to is not None else None,
        )
        with self.sim.state.lock:
            return _json(order_body(shop, order), 201)

    def _get_order(self, request: Request, shop: Shop, order_id: int) -> dict[str, Any]:
        with self.sim.state.lock:
            order = shop.orders.get(order_id)
            if order is None:
                raise NotFound(f"unknown order {order_id}")
            return order_body(shop, order)

    def _fulfil(self, request: Request, shop: Shop, order_id: int) -> dict[str, Any]:
        body = self._body(request, m.Fulfil)
        lines = {li.line_item_id: li.quantity for li in body.lines} if body.lines else None
        self.sim.commerce.fulfil(shop, order_id, lines)
        return self._get_order(request, shop, order_id)

    def _move_fulfilment(self, request: Request, shop: Shop, order_id: int) -> dict[str, Any]:
        body = self._body(request, m.MoveFulfilment)
        moved = move_fulfilment_orders(self.sim.commerce, shop, order_id, _location_id(shop, body.location))
        return {"moved": moved, "order": self._get_order(request, shop, order_id)}

    def _cancel(self, request: Request, shop: Shop, order_id: int) -> dict[str, Any]:
        body = self._body(request, m.Cancel)
        self.sim.commerce.cancel(shop, order_id, body.restock, body.reason)
        return self._get_order(request, shop, order_id)

    def _refund(self, request: Request, shop: Shop, order_id: int) -> Response:
        body = self._body(request, m.RefundSpec)
        refund = self.sim.commerce.refund(shop, order_id, [li.model_dump() for li in body.lines], body.note)
        with self.sim.state.lock:
            return _json(refund_body(shop, shop.orders[order_id], refund), 201)

    def _edit_order(self, request: Request, shop: Shop, order_id: int) -> Response:
        body = self._body(request, m.OrderEditSpec)
        added = [OrderLineSpec(li.sku, li.quantity, li.inventory_item_id, li.custom_title) for li in body.add]
        changed = [(li.line_item_id, li.quantity, li.restock) for li in body.set]
        edit = self.sim.commerce.edit_order(shop, order_id, added, changed)
        with self.sim.state.lock:
            return _json(order_edit_body(shop.orders[order_id], edit), 201)

    def _exchange(self, request: Request, shop: Shop, order_id: int) -> Response:
        body = self._body(request, m.ExchangeSpec)
        loc = shop.location_by_name(body.location)
        if loc is None:
            raise CommerceError(f"unknown location {body.location}")
        items = [OrderLineSpec(li.sku, li.quantity, li.inventory_item_id, li.custom_title) for li in body.exchange]
        returned = {li.line_item_id: li.quantity for li in body.returned}
        refund = self.sim.commerce.exchange(shop, order_id, returned, items, loc.id)
        with self.sim.state.lock:
            return _json({"refund": refund_body(shop, shop.orders[order_id], refund),
                          "order": order_body(shop, shop.orders[order_id])}, 201)  # fmt: skip

    def _return_units(self, request: Request, shop: Shop, order_id: int) -> Response:
        body = self._body(request, m.ReturnSpec)
        loc = shop.location_by_name(body.location) if body.location is not None else None
        if body.location is not None and loc is None:
            raise CommerceError(f"unknown location {body.location}")
        returned = {li.line_item_id: li.quantity for li in body.returned}
        location_id = loc.id if loc is not None else None
        commerce = self.sim.commerce
        with self.sim.state.lock:
            if body.disposition is None:
                made = commerce.create_return(shop, order_id, returned)
            else:
                made = commerce.process_return(shop, order_id, returned, body.disposition, location_id, body.refund)
            lines = [{"id": gid("ReverseFulfillmentOrderLineItem", line.id), "line_item_id": line.line_item_id,
                      "quantity": line.quantity} for line in made.lines]  # fmt: skip
            return _json({"id": made.id, "line_items": lines,
                          "reverse_fulfillment_order_id": gid("ReverseFulfillmentOrder",
                                                              made.reverse_fulfillment_order_id)}, 201)  # fmt: skip

    def _list_faults(self, request: Request, shop: Shop) -> dict[str, Any]:
        return {
            "faults": self.sim.faults.pending(shop.domain),
            "stale": [
                {"inventory_item_id": k[0], "location_id": k[1], "count": v} for k, v in shop.forced_stale.items() if v
            ],
        }

    def _add_fault(self, request: Request, shop: Shop) -> Response:
        body = self._body(request, m.FaultSpec)
        self.sim.faults.add(shop.domain, Fault(body.kind, body.count, body.status, body.retry_after, body.seconds))
        return _json({"faults": self.sim.faults.pending(shop.domain)}, 201)

    def _clear_faults(self, request: Request, shop: Shop) -> dict[str, Any]:
        self.sim.faults.clear(shop.domain)
        with self.sim.state.lock:
            shop.forced_stale.clear()
        return {"ok": True}

    def _force_stale(self, request: Request, shop: Shop) -> Response:
        body = self._body(request, m.StaleSpec)
        key = self.sim.resolve(shop, body)
        with self.sim.state.lock:
            shop.forced_stale[key] = shop.forced_stale.get(key, 0) + body.count
        return _json({"inventory_item_id": key[0], "location_id": key[1], "count": shop.forced_stale[key]}, 201)

    def _bulk_settings(self, request: Request, shop: Shop) -> dict[str, Any]:
        body = self._body(request, m.BulkSettings)
        with self.sim.state.lock:
            shop.bulk_duration_s = body.duration_s
        return body.model_dump()

    def _bulk_complete(self, request: Request, shop: Shop) -> dict[str, Any]:
        now = self.sim.clock.now()
        with self.sim.state.lock:
            done = []
            for op in shop.bulk_operations.values():
                if op.status in ("CREATED", "RUNNING"):
                    op.complete_at = now
                    done.append(op.id)
            refresh_bulk(self.sim.state, shop)
        return {"completed": done}

    def _uninstall_app(self, request: Request, shop: Shop) -> dict[str, Any]:
        return {"topic": "app/uninstalled", "body": self.sim.uninstall_app(shop)}

    def _install_app(self, request: Request, shop: Shop) -> dict[str, Any]:
        install(self.sim.state, shop)
        return {"installed": True}

    def _compliance(self, request: Request, shop: Shop) -> Response:
        spec = self._body(request, m.ComplianceRequest)
        customer = spec.customer.model_dump() if spec.customer is not None else None
        body = send_compliance(self.sim.state, shop, spec.topic, customer, spec.orders)
        return _json({"topic": spec.topic, "body": body}, 201)


def _location_id(shop: Shop, name: str) -> int:
    location = shop.location_by_name(name)
    if location is None:
        raise CommerceError(f"unknown location {name}")
    return location.id
