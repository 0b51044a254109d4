"""The development identity provider's demo identities. No Django.

Realistic Vietnamese people of Hà Nam (citizen ID numbers start with the province of
birth, 035, then the century-and-sex digit and the year of birth) and one company with a
valid tax code (check digit) and its legal representative. Levels: VNeID level 2 is an
identity verified in person; level 1 is not verified (one demo person, to show the
difference).
"""

from datetime import date

DEMO_PASSWORD = "vneid-demo"  # every demo identity's password; shown on the sign-in page

IDENTITIES = [
    {
        "kind": "person",
        "full_name": "Nguyễn Văn An",
        "id_number": "035085001234",
        "birth_date": date(1985, 3, 12),
        "phone": "0912345678",
        "email": "nguyenvanan.demo@example.vn",
        "address": "Số 12 đường Lê Hồng Phong, phường Minh Khai, thành phố Phủ Lý, tỉnh Hà Nam",
        "level": 2,
    },
    {
        "kind": "person",
        "full_name": "Trần Thị Bích Ngọc",
        "id_number": "035192004567",
        "birth_date": date(1992, 7, 25),
        "phone": "0987654321",
        "email": "tranbichngoc.demo@example.vn",
        "address": "Thôn Đồng Ao, xã Liêm Tuyền, thành phố Phủ Lý, tỉnh Hà Nam",
        "level": 2,
    },
    {
        "kind": "person",
        "full_name": "Phạm Thị Hương",
        "id_number": "035168002345",
        "birth_date": date(1968, 1, 30),
        "phone": "0363456789",
        "email": "",
        "address": "Tổ dân phố Hòa Mạc, phường Hòa Mạc, thị xã Duy Tiên, tỉnh Hà Nam",
        "level": 2,
    },
    {
        "kind": "person",
        "full_name": "Lê Hoàng Minh",
        "id_number": "035201007890",
        "birth_date": date(2001, 11, 2),
        "phone": "0356789012",
        "email": "lehoangminh.demo@example.vn",
        "address": "Thôn Nham Kênh, xã Thanh Nghị, huyện Thanh Liêm, tỉnh Hà Nam",
        "level": 1,
    },
    {
        "kind": "organisation",
        "full_name": "Công ty TNHH Thương mại và Dịch vụ Hà Nam Xanh",
        "tax_code": "0700812342",
        "phone": "02263852468",
        "email": "hanamxanh.demo@example.vn",
        "address": "Số 45 đường Trần Hưng Đạo, phường Hai Bà Trưng, thành phố Phủ Lý, tỉnh Hà Nam",
        "representative_name": "Đỗ Quang Huy",
        "representative_id_number": "035080009876",
        "level": 2,
    },
]
