"""Regenerate the demo catalogue: ``python data/generate_demo.py``.

Writes ``shoptui/data/demo/catalog.json`` (the shoptui JSON catalogue format, loaded by
``shoptui demo load``) and a few small PNG images beside it. The files live inside the package so
an installed shoptui finds them; this folder keeps the generator. Deterministic: same output
every run. Barcodes are EAN-13 in the 690-695 (China) range with computed check digits.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "shoptui" / "data" / "demo"


def png(width: int, height: int, colour: tuple[int, int, int], accent: tuple[int, int, int]) -> bytes:
    """A small two-colour striped PNG, written by hand (zlib + struct)."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes(accent if (x + y) // 6 % 2 else colour)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body12)))
    return body12 + str((10 - total % 10) % 10)


CATEGORIES = [
    "Clothing", "Clothing > T-shirts", "Clothing > Hoodies", "Clothing > Accessories",
    "Home", "Home > Kitchen", "Home > Kitchen > 茶具", "Home > Decor",
    "Electronics", "Electronics > 手机配件", "Electronics > Audio",
    "Food & Drink", "Food & Drink > Tea", "Food & Drink > Snacks",
    "Stationery",
]

# (title, category, brand, tags, options {name: values}, price, cost, description)
PRODUCTS = [
    ("Basic tee", "Clothing > T-shirts", "Lumen", ["cotton", "bestseller"], {"Size": ["S", "M", "L", "XL"], "Color": ["White", "Black"]}, "79.00", "28.00", "Heavy cotton, relaxed fit.\nMachine wash cold."),
    ("纯棉短袖T恤", "Clothing > T-shirts", "木棉", ["纯棉", "夏季"], {"尺码": ["S", "M", "L"], "颜色": ["白色", "藏青"]}, "69.00", "25.00", "100% 纯棉，透气舒适。"),
    ("Graphic tee: Mountains", "Clothing > T-shirts", "Lumen", ["print"], {"Size": ["S", "M", "L"]}, "99.00", "35.00", "Screen printed by hand."),
    ("Striped long-sleeve tee", "Clothing > T-shirts", "Lumen", ["cotton"], {"Size": ["M", "L"]}, "119.00", "42.00", ""),
    ("熊猫图案T恤", "Clothing > T-shirts", "木棉", ["熊猫", "礼物"], {"尺码": ["S", "M", "L", "XL"]}, "89.00", "30.00", "可爱熊猫印花。"),
    ("Zip hoodie", "Clothing > Hoodies", "Northway", ["fleece", "winter"], {"Size": ["S", "M", "L"], "Color": ["Grey", "Navy"]}, "259.00", "95.00", "Brushed fleece inside."),
    ("连帽卫衣 加绒", "Clothing > Hoodies", "北行", ["加绒", "冬季"], {"尺码": ["M", "L", "XL"]}, "199.00", "70.00", "加绒加厚，保暖。"),
    ("Pullover hoodie", "Clothing > Hoodies", "Northway", ["fleece"], {"Size": ["M", "L"]}, "229.00", "80.00", ""),
    ("Wool beanie", "Clothing > Accessories", "Northway", ["wool", "winter"], {"Color": ["Red", "Grey", "Black"]}, "89.00", "22.00", ""),
    ("Canvas tote bag", "Clothing > Accessories", "Lumen", ["canvas", "eco"], {}, "59.00", "15.00", "Carries a week of groceries."),
    ("羊毛围巾", "Clothing > Accessories", "北行", ["羊毛", "礼物"], {"颜色": ["驼色", "灰色"]}, "159.00", "48.00", ""),
    ("Cotton socks (3 pairs)", "Clothing > Accessories", "Lumen", ["cotton"], {"Size": ["35-38", "39-42", "43-46"]}, "49.00", "14.00", ""),
    ("Baseball cap", "Clothing > Accessories", "Lumen", [], {"Color": ["Khaki", "Black"]}, "69.00", "18.00", ""),
    ("Ceramic mug", "Home > Kitchen", "Kiln & Co", ["ceramic", "gift", "bestseller"], {"Color": ["White", "Celadon"]}, "45.00", "12.00", "350 ml, dishwasher safe."),
    ("Enamel pot 20 cm", "Home > Kitchen", "Kiln & Co", ["cookware"], {}, "329.00", "140.00", ""),
    ("Bamboo cutting board", "Home > Kitchen", "Greenleaf", ["bamboo", "eco"], {"Size": ["Small", "Large"]}, "79.00", "24.00", ""),
    ("不锈钢保温杯", "Home > Kitchen", "暖阳", ["保温", "礼物"], {"容量": ["350ml", "500ml"], "颜色": ["银色", "黑色"]}, "129.00", "45.00", "保温12小时。"),
    ("Chef's knife 20 cm", "Home > Kitchen", "Kiln & Co", ["knife"], {}, "299.00", "110.00", ""),
    ("Glass storage jars (set of 3)", "Home > Kitchen", "Greenleaf", ["glass"], {}, "89.00", "30.00", ""),
    ("青花瓷茶杯", "Home > Kitchen > 茶具", "景德", ["陶瓷", "茶具"], {}, "68.00", "20.00", "景德镇手绘青花。"),
    ("紫砂壶 西施", "Home > Kitchen > 茶具", "宜兴", ["紫砂", "茶具", "礼物"], {}, "580.00", "220.00", "原矿紫泥，容量 200ml。"),
    ("Gongfu tea set", "Home > Kitchen > 茶具", "景德", ["tea", "gift"], {"Color": ["White", "Celadon"]}, "268.00", "95.00", ""),
    ("玻璃公道杯", "Home > Kitchen > 茶具", "景德", ["玻璃", "茶具"], {}, "39.00", "11.00", ""),
    ("竹制茶盘", "Home > Kitchen > 茶具", "宜兴", ["竹", "茶具"], {"尺寸": ["小号", "大号"]}, "158.00", "52.00", ""),
    ("Linen cushion cover", "Home > Decor", "Greenleaf", ["linen"], {"Color": ["Sand", "Sage", "Rust"]}, "79.00", "22.00", ""),
    ("Scented candle", "Home > Decor", "Ember", ["candle", "gift"], {"Scent": ["Cedar", "Fig", "Sea salt"]}, "99.00", "28.00", "Soy wax, 40 hours."),
    ("Wall clock", "Home > Decor", "Ember", [], {}, "189.00", "70.00", ""),
    ("手工编织收纳篮", "Home > Decor", "草木", ["手工", "收纳"], {"尺寸": ["小", "中", "大"]}, "69.00", "20.00", ""),
    ("Photo frame A5", "Home > Decor", "Ember", ["gift"], {"Color": ["Oak", "Black"]}, "49.00", "14.00", ""),
    ("Desk plant pot", "Home > Decor", "Greenleaf", ["ceramic"], {}, "39.00", "10.00", ""),
    ("华为手机壳 Mate 60", "Electronics > 手机配件", "壳之家", ["手机壳", "华为"], {"颜色": ["透明", "黑色", "蓝色"]}, "39.00", "8.00", "全包防摔。"),
    ("iPhone 15 silicone case", "Electronics > 手机配件", "CaseCo", ["case", "iphone"], {"Color": ["Black", "Pink", "Green"]}, "99.00", "20.00", ""),
    ("小米手机壳 14", "Electronics > 手机配件", "壳之家", ["手机壳", "小米"], {"颜色": ["黑色", "白色"]}, "35.00", "7.00", ""),
    ("钢化膜 (2片装)", "Electronics > 手机配件", "壳之家", ["贴膜"], {"型号": ["iPhone 15", "Mate 60", "小米 14"]}, "29.00", "5.00", ""),
    ("USB-C fast charger 65W", "Electronics > 手机配件", "VoltX", ["charger", "usb-c", "bestseller"], {}, "149.00", "60.00", ""),
    ("USB-C cable 1 m", "Electronics > 手机配件", "VoltX", ["cable", "usb-c"], {"Color": ["White", "Black"]}, "39.00", "9.00", ""),
    ("Power bank 10000 mAh", "Electronics > 手机配件", "VoltX", ["battery"], {}, "159.00", "70.00", ""),
    ("无线充电器", "Electronics > 手机配件", "VoltX", ["无线充电"], {}, "99.00", "38.00", ""),
    ("Wireless earbuds", "Electronics > Audio", "SoundLab", ["bluetooth", "bestseller"], {"Color": ["White", "Black"]}, "399.00", "160.00", ""),
    ("蓝牙音箱 迷你", "Electronics > Audio", "声学坊", ["蓝牙", "音箱"], {"颜色": ["红色", "黑色"]}, "159.00", "62.00", ""),
    ("Over-ear headphones", "Electronics > Audio", "SoundLab", ["bluetooth"], {}, "699.00", "300.00", ""),
    ("3.5 mm audio cable", "Electronics > Audio", "SoundLab", ["cable"], {}, "25.00", "5.00", ""),
    ("西湖龙井 明前 100g", "Food & Drink > Tea", "狮峰", ["绿茶", "龙井", "礼物"], {}, "268.00", "150.00", "明前采摘，豆香浓郁。"),
    ("Jasmine green tea 50 g", "Food & Drink > Tea", "Teahouse", ["tea", "green tea"], {}, "58.00", "22.00", ""),
    ("普洱茶饼 357g", "Food & Drink > Tea", "勐海", ["普洱", "熟茶"], {"年份": ["2018", "2020"]}, "198.00", "90.00", ""),
    ("English breakfast tea (20 bags)", "Food & Drink > Tea", "Teahouse", ["black tea"], {}, "35.00", "12.00", ""),
    ("铁观音 250g", "Food & Drink > Tea", "安溪", ["乌龙", "铁观音"], {"香型": ["清香", "浓香"]}, "128.00", "60.00", ""),
    ("Chamomile tea 30 g", "Food & Drink > Tea", "Teahouse", ["herbal"], {}, "42.00", "15.00", ""),
    ("Dark chocolate 70%", "Food & Drink > Snacks", "Cacao Co", ["chocolate", "vegan"], {}, "25.00", "9.00", ""),
    ("坚果礼盒", "Food & Drink > Snacks", "山野", ["坚果", "礼物"], {"规格": ["500g", "1kg"]}, "99.00", "45.00", ""),
    ("Salted almonds 200 g", "Food & Drink > Snacks", "Cacao Co", ["nuts"], {}, "32.00", "13.00", ""),
    ("麻辣牛肉干", "Food & Drink > Snacks", "山野", ["牛肉干", "辣"], {"口味": ["麻辣", "五香"]}, "45.00", "18.00", ""),
    ("Oat cookies", "Food & Drink > Snacks", "Cacao Co", ["cookies"], {}, "22.00", "7.00", ""),
    ("Dried mango 100 g", "Food & Drink > Snacks", "山野", ["fruit"], {}, "19.00", "6.00", ""),
    ("Dotted notebook A5", "Stationery", "Paperly", ["notebook", "bestseller"], {"Color": ["Black", "Sage", "Terracotta"]}, "59.00", "16.00", "160 pages, 100 gsm."),
    ("钢笔 EF尖", "Stationery", "书写", ["钢笔"], {"颜色": ["黑色", "深蓝"]}, "128.00", "45.00", ""),
    ("Gel pens (10 colours)", "Stationery", "Paperly", ["pens"], {}, "29.00", "8.00", ""),
    ("宣纸 书法练习 100张", "Stationery", "书写", ["书法"], {}, "35.00", "12.00", ""),
    ("Washi tape set", "Stationery", "Paperly", ["tape", "gift"], {}, "39.00", "10.00", ""),
    ("Desk organiser", "Stationery", "Paperly", [], {"Color": ["Oak", "White"]}, "89.00", "30.00", ""),
    ("Brass bookmark", "Stationery", "Paperly", ["gift"], {}, "25.00", "6.00", ""),
    ("Kraft envelopes (25)", "Stationery", "Paperly", [], {}, "15.00", "4.00", ""),
    ("Sticky notes", "Stationery", "Paperly", [], {"Color": ["Yellow", "Pastel"]}, "12.00", "3.00", ""),
    ("Cork board 40×60", "Home > Decor", "Ember", [], {}, "69.00", "22.00", ""),
]

IMAGES = {  # product index -> image file names
    0: ["tee-white.png", "tee-black.png"], 13: ["mug.png"], 20: ["teapot.png"], 30: ["phone-case.png"],
    42: ["longjing.png"], 54: ["notebook.png"],
}
COLOURS = {
    "tee-white.png": ((236, 236, 230), (200, 200, 190)), "tee-black.png": ((30, 30, 34), (70, 70, 80)),
    "mug.png": ((120, 170, 150), (240, 240, 235)), "teapot.png": ((120, 60, 40), (170, 100, 70)),
    "phone-case.png": ((40, 90, 200), (200, 220, 250)), "longjing.png": ((80, 140, 60), (200, 220, 150)),
    "notebook.png": ((30, 30, 30), (200, 160, 80)),
}


def sku_part(value: str, index: int) -> str:
    ascii_part = "".join(ch for ch in value.upper() if ch.isascii() and ch.isalnum())
    return ascii_part[:6] or f"V{index + 1}"


def main() -> None:
    (OUT / "images").mkdir(parents=True, exist_ok=True)
    for name, (colour, accent) in COLOURS.items():
        (OUT / "images" / name).write_bytes(png(48, 48, colour, accent))
    products = []
    barcode_seq = 0
    for index, (title, category, brand, tags, options, price, cost, description) in enumerate(PRODUCTS):
        base = f"D{index + 1:03d}"
        combos: list[list[str]] = [[]]
        for values in options.values():
            combos = [c + [v] for c in combos for v in values]
        variants = []
        for ci, combo in enumerate(combos):
            barcode_seq += 1
            sku = "-".join([base, *(sku_part(v, options_index) for options_index, v in enumerate(combo))]) if combo else base
            if combo and any(not sku_part(v, 0).startswith("V") for v in combo) is False:
                sku = f"{base}-{ci + 1:02d}"
            whole, cents = price.split(".")
            bump = 10 * len(combo) * (ci % 2) if "XL" not in combo else 20
            variants.append({
                "sku": sku, "barcode": ean13(f"6920000{barcode_seq:05d}") if index % 7 != 6 else None,
                "options": combo, "price": f"{int(whole) + bump}.{cents}", "compare_at_price": None if index % 5 else f"{int(whole) + bump + 20}.00",
                "cost": cost, "weight_g": 100 + 37 * (index % 9), "track_stock": "Food" not in category or index % 2 == 0,
            })
        # SKUs must be unique within a product even when option values map to the same letters
        seen: dict[str, int] = {}
        for ci, variant in enumerate(variants):
            if variant["sku"] in seen:
                variant["sku"] = f"{base}-{ci + 1:02d}"
            seen[variant["sku"]] = ci
        products.append({
            "title": title, "status": "draft" if index % 17 == 16 else "active", "category": category, "brand": brand,
            "tags": sorted(t.lower() for t in tags), "description": description,
            "images": [f"images/{n}" for n in IMAGES.get(index, [])], "options": list(options), "variants": variants,
        })
    document = {"format": "shoptui-catalog", "version": 1, "currency": "CNY", "categories": CATEGORIES, "products": products}
    (OUT / "catalog.json").write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(products)} products, {sum(len(p['variants']) for p in products)} variants to {OUT}")


if __name__ == "__main__":
    main()
