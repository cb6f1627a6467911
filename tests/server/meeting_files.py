"""Made-up participant lists for the meetings tests, as the organiser's CSV file would hold them."""

from __future__ import annotations

from dataclasses import dataclass

HEADER = ("STT", "Họ và tên", "Đơn vị", "Nhóm", "Số CCCD", "Số điện thoại")


@dataclass(frozen=True)
class Attendee:
    name: str
    organisation: str = ""
    group: str = ""
    id_number: str = ""
    phone: str = ""


AN = Attendee("Nguyễn Văn An", "Sở Y tế", "Bàn 1", "001099012345", "0912345678")
BINH = Attendee("Trần Thị Bình", "UBND phường Bến Nghé", "Bàn 2", "", "0912000111")
CUONG = Attendee("Lê Văn Cường", "Trường THPT Lê Lợi", "", "079088004321", "")


def participant_csv(people: list[Attendee] | tuple[Attendee, ...]) -> bytes:
    """A UTF-8 CSV (with BOM, as Excel writes it) in the organiser's own column order."""
    lines = [",".join(HEADER)]
    lines += [",".join((str(number), p.name, p.organisation, p.group, p.id_number, p.phone))
              for number, p in enumerate(people, start=1)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def generated(count: int, start: int = 0) -> list[Attendee]:
    """`count` made-up participants with distinct ID numbers and phones."""
    return [Attendee(f"Người Tham Dự {n:05d}", f"Đơn vị {n % 37}", f"Bàn {n % 50}", f"0010990{n:05d}",
                     f"09{n:08d}") for n in range(start, start + count)]
