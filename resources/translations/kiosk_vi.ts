<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi" sourcelanguage="en">
<context>
    <name>AdminDialog</name>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="90"/>
        <source>Administration</source>
        <translation>Quản trị</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="91"/>
        <source>Settings</source>
        <translation>Cài đặt</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="91"/>
        <source>Log</source>
        <translation>Nhật ký</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="91"/>
        <source>Export and purge</source>
        <translation>Xuất và xoá dữ liệu</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="92"/>
        <source>Kiosk mode</source>
        <translation>Chế độ kiosk</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="94"/>
        <source>Save settings</source>
        <translation>Lưu cài đặt</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="95"/>
        <source>Search masked name, person key or format, then Enter</source>
        <translation>Tìm theo tên (đã che), mã người hoặc loại mã, rồi nhấn Enter</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="96"/>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="96"/>
        <source>Direction</source>
        <translation>Chiều</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="96"/>
        <source>Verdict</source>
        <translation>Kết quả</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="97"/>
        <source>Format</source>
        <translation>Loại mã</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="97"/>
        <source>Name (masked)</source>
        <translation>Tên (đã che)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="98"/>
        <source>Reasons</source>
        <translation>Lý do</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="99"/>
        <source>Choose…</source>
        <translation>Chọn…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="100"/>
        <source>Export the log as CSV (recorded in the audit log)</source>
        <translation>Xuất nhật ký ra tệp CSV (việc xuất được ghi lại)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/dialogs/admin_dialog.py" line="101"/>
        <source>Delete entries older than %n days now</source>
        <translation>
            <numerusform>Xoá ngay các lượt cũ hơn %n ngày</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="103"/>
        <source>Leave full-screen kiosk mode</source>
        <translation>Thoát chế độ toàn màn hình</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="104"/>
        <source>Close the kiosk</source>
        <translation>Đóng chương trình kiosk</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/dialogs/admin_dialog.py" line="125"/>
        <source>%n entries written to %1</source>
        <translation>
            <numerusform>Đã ghi %n lượt vào %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/dialogs/admin_dialog.py" line="128"/>
        <source>%n old entries deleted</source>
        <translation>
            <numerusform>Đã xoá %n lượt cũ</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="140"/>
        <source>Saved.</source>
        <translation>Đã lưu.</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/admin_dialog.py" line="145"/>
        <source>Export the log</source>
        <translation>Xuất nhật ký</translation>
    </message>
</context>
<context>
    <name>BottomBar</name>
    <message>
        <location filename="../../ui/status_bars.py" line="104"/>
        <source>Manual entry (F3)</source>
        <translation>Nhập tay (F3)</translation>
    </message>
    <message>
        <location filename="../../ui/status_bars.py" line="107"/>
        <source>Tiếng Việt (F4)</source>
        <translation>English (F4)</translation>
    </message>
    <message>
        <location filename="../../ui/status_bars.py" line="108"/>
        <source>Admin (F10)</source>
        <translation>Quản trị (F10)</translation>
    </message>
</context>
<context>
    <name>Buttons</name>
    <message>
        <location filename="../../ui/dialogs/buttons.py" line="14"/>
        <source>OK</source>
        <translation>Đồng ý</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/buttons.py" line="15"/>
        <source>Cancel</source>
        <translation>Huỷ</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <location filename="../../ui/window.py" line="118"/>
        <location filename="../../ui/window.py" line="310"/>
        <source>QR check-in</source>
        <translation>Kiểm soát ra vào bằng mã QR</translation>
    </message>
</context>
<context>
    <name>ManualEntryDialog</name>
    <message>
        <location filename="../../ui/dialogs/manual_entry.py" line="56"/>
        <source>Manual entry</source>
        <translation>Nhập tay</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/manual_entry.py" line="57"/>
        <source>Full name</source>
        <translation>Họ và tên</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/manual_entry.py" line="57"/>
        <source>Phone</source>
        <translation>Số điện thoại</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/manual_entry.py" line="57"/>
        <source>ID number (optional)</source>
        <translation>Số giấy tờ (không bắt buộc)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/manual_entry.py" line="57"/>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <location filename="../../ui/dialogs/pin_dialog.py" line="36"/>
        <source>Admin PIN</source>
        <translation>Mã PIN quản trị</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/pin_dialog.py" line="37"/>
        <source>Enter the admin PIN</source>
        <translation>Nhập mã PIN quản trị</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/dialogs/pin_dialog.py" line="52"/>
        <source>Wrong PIN. %n tries left.</source>
        <translation>
            <numerusform>Sai mã PIN. Còn %n lần thử.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/dialogs/pin_dialog.py" line="60"/>
        <source>Too many wrong tries. Locked for %n seconds.</source>
        <translation>
            <numerusform>Sai quá nhiều lần. Tạm khoá %n giây.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingsForm</name>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="88"/>
        <source>Station name</source>
        <translation>Tên điểm kiểm soát</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="88"/>
        <source>Location</source>
        <translation>Địa điểm</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="88"/>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="88"/>
        <source>Camera backend</source>
        <translation>Trình điều khiển camera</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="89"/>
        <source>Server URL</source>
        <translation>Địa chỉ máy chủ</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="89"/>
        <source>Station token</source>
        <translation>Mã truy cập của điểm</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="89"/>
        <source>Same person again within (minutes)</source>
        <translation>Bỏ qua người đã quét trong vòng (phút)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="90"/>
        <source>Back to ready after (seconds)</source>
        <translation>Trở về màn hình chờ sau (giây)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="90"/>
        <source>Keep entries for (days)</source>
        <translation>Giữ dữ liệu trong (ngày)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="91"/>
        <source>Capacity (0 = no limit)</source>
        <translation>Sức chứa (0 = không giới hạn)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="91"/>
        <source>Sound</source>
        <translation>Âm thanh</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="91"/>
        <source>Language</source>
        <translation>Ngôn ngữ</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="92"/>
        <source>New admin PIN (leave empty to keep)</source>
        <translation>Mã PIN mới (để trống nếu giữ nguyên)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="92"/>
        <source>New admin PIN again</source>
        <translation>Nhập lại mã PIN mới</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/settings_form.py" line="96"/>
        <source>no limit</source>
        <translation>không giới hạn</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <location filename="../../ui/dialogs/setup_dialog.py" line="42"/>
        <source>Set up this station</source>
        <translation>Cài đặt điểm kiểm soát</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/setup_dialog.py" line="43"/>
        <source>Three things before the first visitor: a name for this station, an admin PIN, and the camera.</source>
        <translation>Ba việc trước khi đón khách đầu tiên: đặt tên điểm kiểm soát, chọn mã PIN quản trị và chọn camera.</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/setup_dialog.py" line="45"/>
        <source>Station name</source>
        <translation>Tên điểm kiểm soát</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/setup_dialog.py" line="45"/>
        <source>Admin PIN (4–12 digits)</source>
        <translation>Mã PIN quản trị (4–12 chữ số)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/setup_dialog.py" line="45"/>
        <source>Admin PIN again</source>
        <translation>Nhập lại mã PIN</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs/setup_dialog.py" line="46"/>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
</context>
</TS>
