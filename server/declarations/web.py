"""The public declaration page: a visitor fills in the form on a phone and gets the signed QR to keep.

Mount with `app.include_router(router)` and put a `DeclarationService` on `app.state.declarations`.
Nothing the visitor typed is logged; the QR is returned in the page (PNG and SVG) and not stored.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from server.declarations.issuing import ConfigurationError, DeclarationInputError, DeclarationService

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

TEXTS = {
    "vi": {
        "title": "Khai báo y tế", "name": "Họ và tên", "phone": "Số điện thoại", "id_number": "Số CCCD/CMND",
        "yes": "Có", "no": "Không", "submit": "Gửi tờ khai và nhận mã QR", "fix": "Vui lòng sửa các mục bên dưới.",
        "done": "Đây là mã QR khai báo y tế của bạn. Lưu ảnh hoặc in ra và xuất trình tại cổng.",
        "valid_until": "Có hiệu lực đến", "save_png": "Lưu ảnh PNG", "save_svg": "Lưu SVG (in ấn)",
        "again": "Khai báo cho người khác", "privacy": "Thông tin chỉ dùng để kiểm soát dịch bệnh.",
        "unavailable": "Trang khai báo tạm thời không hoạt động. Vui lòng báo nhân viên.",
    },
    "en": {
        "title": "Health declaration", "name": "Full name", "phone": "Phone number", "id_number": "ID card number",
        "yes": "Yes", "no": "No", "submit": "Send the declaration and get the QR code",
        "fix": "Please correct the fields below.",
        "done": "This is your health declaration QR code. Save the picture or print it and show it at the door.",
        "valid_until": "Valid until", "save_png": "Save PNG picture", "save_svg": "Save SVG (for printing)",
        "again": "Declare for someone else", "privacy": "The information is used for disease control only.",
        "unavailable": "The declaration page is not available right now. Please tell the staff.",
    },
}


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang", "")
    return asked if asked in TEXTS else "vi"


def _service(request: Request) -> DeclarationService:
    return request.app.state.declarations


def _page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = _lang(request)
    context.setdefault("values", {})
    context.setdefault("problems", {})
    return templates.TemplateResponse(request, "declaration.html",
                                      {"lang": lang, "t": TEXTS[lang], **context}, status_code=status_code)


@router.get("/declare", response_class=HTMLResponse)
def declaration_form(request: Request) -> Response:
    try:
        questions = _service(request).rules().questions
    except ConfigurationError:
        return _page(request, 503, unavailable=True, questions=())
    return _page(request, questions=questions)


@router.post("/declare", response_class=HTMLResponse)
async def declare(request: Request) -> Response:
    form = await request.form()
    values = {key: str(value) for key, value in form.items()}
    service = _service(request)
    try:
        questions = service.rules().questions
        answers = {q.id: values.get(f"answer_{q.id}") for q in questions}
        issued = service.issue(values.get("name", ""), values.get("phone", ""), values.get("id_number", ""),
                               answers)
    except DeclarationInputError as problem:
        lang = _lang(request)
        problems = {field: reason.text(lang) for field, reason in problem.problems.items()}
        return _page(request, 422, questions=questions, values=values, problems=problems)
    except ConfigurationError:
        return _page(request, 503, unavailable=True, questions=())
    return _page(
        request,
        issued=issued,
        valid_until=issued.expires_at.astimezone(ZoneInfo(service.settings.time_zone)).strftime("%H:%M %d/%m/%Y"),
        png=base64.b64encode(issued.png()).decode("ascii"),
        svg_b64=base64.b64encode(issued.svg().encode("utf-8")).decode("ascii"),
    )
