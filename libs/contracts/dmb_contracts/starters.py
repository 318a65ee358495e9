"""Starter templates: complete table designs a person starts from (and edits), with suggested row counts.

A starter with several tables lists parents first, so creating them in order always works."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dmb_contracts.fields import TableSpec


class StarterTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    spec: TableSpec
    rows: int = Field(gt=0, description="A suggested number of rows to generate.")


class Starter(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    description: str
    icon: str = Field(description="A Bootstrap Icons name, for the page.")
    tables: list[StarterTable]


def _id() -> dict[str, Any]:
    return {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}}


def _choices(name: str, values: list[str], weights: list[float]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "string",
        "max_length": 20,
        "generator": {"kind": "choices", "values": values, "weights": weights},
    }


_PEOPLE = {
    "table_name": "people",
    "display_name": "People",
    "description": "People with names, contact details and an address.",
    "fields": [
        _id(),
        {"name": "first_name", "type": "string", "max_length": 60},
        {"name": "last_name", "type": "string", "max_length": 60},
        {"name": "email", "type": "email", "unique": True},
        {"name": "phone", "type": "string", "max_length": 30, "nullable": True, "null_percentage": 10},
        {"name": "birth_date", "type": "date", "generator": {"kind": "range", "min": "-80y", "max": "-18y"}},
        {"name": "city", "type": "string", "max_length": 80},
        {"name": "country", "type": "string", "max_length": 60},
    ],
}
_CUSTOMERS = {
    "table_name": "customers",
    "display_name": "Customers",
    "description": "Customers of a shop.",
    "fields": [
        _id(),
        {"name": "first_name", "type": "string", "max_length": 60},
        {"name": "last_name", "type": "string", "max_length": 60},
        {"name": "email", "type": "email", "unique": True},
        {"name": "city", "type": "string", "max_length": 80},
        _choices("status", ["active", "inactive", "suspended"], [80, 15, 5]),
        {"name": "signed_up", "type": "date", "generator": {"kind": "range", "min": "-3y", "max": "today"}},
    ],
}
_ORDERS = {
    "table_name": "orders",
    "display_name": "Orders",
    "description": "Orders placed by the customers.",
    "fields": [
        _id(),
        {
            "name": "customer_id",
            "type": "foreign_key",
            "references": {"table": "customers", "field": "id", "on_delete": "cascade"},
            "generator": {"kind": "reference", "children_per_parent": {"min": 0, "max": 10, "distribution": "normal"}},
        },
        {"name": "ordered_at", "type": "datetime", "generator": {"kind": "range", "min": "-1y", "max": "now"}},
        {
            "name": "total",
            "type": "decimal",
            "precision": 10,
            "scale": 2,
            "generator": {"kind": "range", "min": 5, "max": 500, "distribution": "exponential"},
        },
        _choices("status", ["paid", "shipped", "delivered", "returned"], [20, 20, 55, 5]),
    ],
}
_PRODUCTS = {
    "table_name": "products",
    "display_name": "Products",
    "description": "A product catalogue with codes, prices and stock.",
    "fields": [
        _id(),
        {"name": "sku", "type": "string", "max_length": 12, "unique": True, "pattern": "[A-Z]{3}-[0-9]{6}"},
        {
            "name": "name",
            "type": "string",
            "max_length": 120,
            "generator": {"kind": "faker", "provider": "catch_phrase"},
        },
        _choices("category", ["books", "garden", "kitchen", "toys", "sports"], [1, 1, 1, 1, 1]),
        {"name": "price", "type": "decimal", "precision": 8, "scale": 2, "min": 1, "max": 999},
        {"name": "stock", "type": "integer", "min": 0, "max": 500},
        {"name": "barcode", "type": "string", "max_length": 13, "generator": {"kind": "faker", "provider": "ean13"}},
    ],
}
_TRANSACTIONS = {
    "table_name": "transactions",
    "display_name": "Transactions",
    "description": "Card payments and transfers on bank accounts.",
    "fields": [
        _id(),
        {"name": "iban", "type": "string", "max_length": 34, "generator": {"kind": "faker", "provider": "iban"}},
        {"name": "booked_at", "type": "datetime", "generator": {"kind": "range", "min": "-90d", "max": "now"}},
        {
            "name": "amount",
            "type": "decimal",
            "precision": 12,
            "scale": 2,
            "generator": {"kind": "range", "min": -2000, "max": 2000, "distribution": "normal"},
        },
        {
            "name": "currency",
            "type": "string",
            "max_length": 3,
            "generator": {"kind": "choices", "values": ["EUR", "USD"]},
        },
        _choices("kind", ["card", "transfer", "direct_debit"], [60, 25, 15]),
        {
            "name": "merchant",
            "type": "string",
            "max_length": 120,
            "generator": {"kind": "faker", "provider": "company"},
        },
    ],
}
_EMPLOYEES = {
    "table_name": "employees",
    "display_name": "Employees",
    "description": "Employees and their managers (a hierarchy: each manager is another employee).",
    "fields": [
        _id(),
        {"name": "first_name", "type": "string", "max_length": 60},
        {"name": "last_name", "type": "string", "max_length": 60},
        {"name": "email", "type": "email", "unique": True},
        {"name": "job_title", "type": "string", "max_length": 120, "generator": {"kind": "faker", "provider": "job"}},
        {
            "name": "manager_id",
            "type": "foreign_key",
            "nullable": True,
            "references": {"table": "employees", "field": "id", "on_delete": "set null"},
        },
        {"name": "salary", "type": "decimal", "precision": 10, "scale": 2, "min": 30000, "max": 150000},
        {"name": "hired_on", "type": "date", "generator": {"kind": "range", "min": "-15y", "max": "today"}},
    ],
}


def _starter(key: str, title: str, description: str, icon: str, *tables: tuple[dict[str, Any], int]) -> Starter:
    return Starter(
        key=key,
        title=title,
        description=description,
        icon=icon,
        tables=[StarterTable(spec=TableSpec.model_validate(spec), rows=rows) for spec, rows in tables],
    )


STARTERS: tuple[Starter, ...] = (
    _starter("people", "People", "Names, emails, phones, birth dates, addresses.", "people", (_PEOPLE, 1000)),
    _starter(
        "customers_orders",
        "Customers + orders",
        "Two tables linked by a foreign key: every order belongs to a customer.",
        "cart",
        (_CUSTOMERS, 1000),
        (_ORDERS, 5000),
    ),
    _starter("products", "Products", "SKUs, names, categories, prices, stock, barcodes.", "box-seam", (_PRODUCTS, 500)),
    _starter(
        "transactions", "Transactions", "Bank transactions: IBAN, amounts, currencies.", "bank", (_TRANSACTIONS, 5000)
    ),
    _starter(
        "employees",
        "Employees",
        "Staff with a manager hierarchy (a foreign key to the same table).",
        "diagram-3",
        (_EMPLOYEES, 200),
    ),
)


def starter(key: str) -> Starter | None:
    return next((item for item in STARTERS if item.key == key), None)
