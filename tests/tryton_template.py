"""Fill a new Tryton database with the minimum a distributor's sale needs (run by tryton_kit).

Usage: python tests/tryton_template.py CONFIG_FILE DATABASE. Runs inside trytond through
proteus (Tryton's scripting library), once per test session; the database file it fills is
then copied for every test. The records (codes in capitals) are what the tests sell.
"""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal


def build(config_file: str, database: str) -> None:
    from proteus import Model, config
    from trytond.modules.company.tests.tools import create_company

    config.set_trytond(database=database, config_file=config_file)
    create_company()
    country = Model.get("country.country")(name="United States", code="US")
    country.save()
    illinois = Model.get("country.subdivision")(
        name="Illinois", code="US-IL", type="state", country=country)
    illinois.save()

    Party = Model.get("party.party")
    for code, name, limit in (("ACME", "Acme Supply", Decimal("1000")),
                              ("BOLT", "Bolt Industrial", Decimal("100000"))):
        party = Party(name=name, code=code)
        party.credit_limit_amount = limit
        address = party.addresses[0]
        address.street = "100 Main Street"
        address.city = "Springfield"
        address.postal_code = "62701"
        address.country = country
        address.subdivision = illinois
        party.save()

    unit, = Model.get("product.uom").find([("name", "=", "Unit")])
    Template = Model.get("product.template")
    products = {}
    for code, name, price, cost in (("WIDGET", "Steel widget", "150", "90"),
                                    ("BOLT-M8", "M8 bolt", "2", "1")):
        template = Template(name=name, type="goods", default_uom=unit, salable=True,
                            purchasable=True, list_price=Decimal(price), code=code)
        template.sale_uom = unit
        product = template.products[0]
        product.cost_price = Decimal(cost)
        template.save()
        products[code] = template.products[0]

    warehouse, = Model.get("stock.location").find([("code", "=", "WH")])
    inventory = Model.get("stock.inventory")(location=warehouse.storage_location)
    for code, quantity in (("WIDGET", 40), ("BOLT-M8", 5000)):
        inventory.lines.new(product=products[code], quantity=quantity)
    inventory.save()
    inventory.click("confirm")

    supplier = Party(name="Steel Mill", code="MILL")
    supplier.save()
    purchase = Model.get("purchase.purchase")(party=supplier, warehouse=warehouse,
                                              reference="MILL-7")
    purchase.delivery_date = datetime.date.today() + datetime.timedelta(days=10)
    purchase.lines.new(product=products["WIDGET"], quantity=30, unit_price=Decimal("90"))
    purchase.click("quote")
    purchase.click("confirm")  # the widgets due in 10 days: an inbound PO for ordex

    Config = Model.get("sale.configuration")
    sale_config = Config(1)
    sale_config.sale_invoice_method = "manual"
    sale_config.sale_shipment_method = "order"
    sale_config.save()


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2])
