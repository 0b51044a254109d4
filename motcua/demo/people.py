"""Demo applicants: Vietnamese names by the usual family-name frequencies, 12-digit citizen
numbers of Hà Nam (035), mobile numbers of the Vietnamese networks, addresses, and
organisations with valid Hà Nam tax codes (0700…). Pure Python, no Django."""

from __future__ import annotations

import random
from itertools import accumulate

from motcua.core.text import fold

FAMILY = (
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Vũ", 5),
    ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2.5), ("Ngô", 1.3), ("Dương", 1), ("Đinh", 1.2),
    ("Trịnh", 1.2), ("Đào", 1), ("Phan", 1.2), ("Lương", 0.5), ("Mai", 0.5), ("Cao", 0.5),
    ("Chu", 0.4), ("Hà", 0.6), ("Đoàn", 0.6), ("Lại", 0.3), ("Tạ", 0.3), ("Nghiêm", 0.2),
)  # fmt: skip
MIDDLE = {
    "m": ("Văn",) * 6 + ("Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Mạnh", "Trọng", "Duy"),
    "f": ("Thị",) * 6 + ("Thu", "Ngọc", "Thanh", "Phương", "Hồng", "Thùy", "Bích", "Kim", "Diệu"),
}
GIVEN = {
    "m": (
        "An", "Anh", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hoàng",
        "Hùng", "Huy", "Khánh", "Kiên", "Long", "Lâm", "Mạnh", "Minh", "Nam", "Nghĩa", "Phong",
        "Phúc", "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Toàn", "Trung",
        "Tuấn", "Tùng", "Việt", "Vinh",
    ),
    "f": (
        "Anh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huệ",
        "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "Nga", "Ngân", "Ngọc", "Nhung",
        "Oanh", "Phương", "Quyên", "Quỳnh", "Tâm", "Thảo", "Thơm", "Thu", "Thủy", "Trang",
        "Tuyết", "Vân", "Yến",
    ),
}  # fmt: skip
# Mobile prefixes of Viettel, VinaPhone, MobiFone, Vietnamobile.
PHONE_PREFIXES = (
    "086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
    "088", "091", "094", "081", "082", "083", "084", "085", "089", "090", "093", "070",
    "076", "077", "078", "079", "092", "056", "058",
)  # fmt: skip
FIRM_KIND = (
    "Công ty TNHH",
    "Công ty TNHH",
    "Công ty cổ phần",
    "Hợp tác xã",
    "Doanh nghiệp tư nhân",
)
FIRM_TRADE = (
    "Thương mại và Dịch vụ", "Xây dựng", "Đầu tư và Phát triển", "Sản xuất và Thương mại",
    "Vận tải", "Vật liệu xây dựng", "Dệt may", "Cơ khí", "Nông nghiệp công nghệ cao",
    "Thực phẩm", "Môi trường", "Du lịch",
)  # fmt: skip
FIRM_BRAND = (
    "Hà Nam", "Phủ Lý", "Minh Phát", "Hoàng Long", "Thành Đạt", "An Phú", "Trường Sơn",
    "Đồng Văn", "Châu Giang", "Sông Đáy", "Tam Chúc", "Hưng Thịnh", "Phúc Lộc", "Tân Thành",
    "Kim Bảng", "Nam Hà", "Việt Hưng", "Bình Minh",
)  # fmt: skip
PROVINCE_ID_CODE = "035"  # Hà Nam in citizen identity numbers
TAX_PREFIX = "0700"  # Hà Nam's tax codes


class People:
    """Vietnamese applicants: names, identity numbers of Hà Nam (035), phones, addresses."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.family = [f for f, _w in FAMILY]
        self.family_cum = list(accumulate(w for _f, w in FAMILY))

    def name(self) -> tuple[str, str]:
        sex = self.rng.choice("mf")
        family = self.rng.choices(self.family, cum_weights=self.family_cum)[0]
        given = self.rng.choice(GIVEN[sex])
        return f"{family} {self.rng.choice(MIDDLE[sex])} {given}", sex

    def id_number(self, sex: str) -> str:
        year = self.rng.randint(1945, 2002)
        century = (0 if year < 2000 else 2) + (sex == "f")
        serial = self.rng.randrange(1_000_000)
        return f"{PROVINCE_ID_CODE}{century}{year % 100:02d}{serial:06d}"

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10_000_000):07d}"

    def address(self, place: str) -> str:
        if place.startswith(("phường", "thị trấn")):
            street = self.rng.choice(("Tổ dân phố số", "Tổ"))
            return f"{street} {self.rng.randint(1, 18)}, {place}"
        return f"{self.rng.choice(('Thôn', 'Xóm'))} {self.rng.randint(1, 14)}, {place}"

    def tax_code(self) -> str:
        while True:
            digits = TAX_PREFIX + f"{self.rng.randrange(100_000):05d}"
            weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
            check = 10 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
            if check < 10:
                return digits + str(check)

    def person(self, place: str) -> dict:
        full_name, sex = self.name()
        data = {
            "kind": "person",
            "full_name": full_name,
            "id_number": self.id_number(sex),
            "phone": self.phone(),
            "address": self.address(place),
        }
        if self.rng.random() < 0.15:
            data["email"] = f"{fold(full_name).replace(' ', '')}{self.rng.randint(1, 99)}@gmail.com"
        return data

    def organisation(self, place: str) -> dict:
        kind, trade = self.rng.choice(FIRM_KIND), self.rng.choice(FIRM_TRADE)
        name = f"{kind} {trade} {self.rng.choice(FIRM_BRAND)}"
        return {
            "kind": "organisation",
            "full_name": name,
            "tax_code": self.tax_code(),
            "phone": self.phone(),
            "address": self.address(place),
        }
