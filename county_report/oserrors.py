"""An operating-system error said in plain Chinese, for findings about files and folders.

The OS's own text is English (or the system's language) and names an errno; a clerk needs to
know what happened and what to do: no permission, moved away, open in another program.
"""

from __future__ import annotations

import errno

_REASONS = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ENOENT: "已不存在（可能在运行时被移走或删除）",
    errno.ENOTDIR: "路径中的某一级不是文件夹",
    errno.EISDIR: "是文件夹而不是文件",
    errno.ELOOP: "快捷方式（符号链接）层层相套，形成了循环",
    errno.EBUSY: "正被其他程序占用",
    errno.EIO: "磁盘读取出错",
    errno.ENAMETOOLONG: "路径太长",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "磁盘为只读",
    errno.EMFILE: "同时打开的文件太多",
    errno.ENFILE: "同时打开的文件太多",
    errno.ENXIO: "设备不存在",
    errno.ETIMEDOUT: "网络盘或设备响应超时",
}
# Windows reports some conditions only as winerror: 32/33 = the file is open in another program
_WINDOWS_REASONS = {32: "正被其他程序占用", 33: "正被其他程序占用", 5: "没有读取权限", 1920: "无法访问"}


# what changes when the failed operation was a write (a backup, the log, the database)
_WRITING = {"没有读取权限": "没有写入权限", "磁盘读取出错": "磁盘写入出错"}


def os_reason(exc: OSError, writing: bool = False) -> str:
    """`没有读取权限`, `正被其他程序占用`, …; the errno number for anything rarer.

    `writing`: the failed operation wrote (then `没有写入权限`, `磁盘写入出错`)."""
    winerror = getattr(exc, "winerror", None)
    if winerror in _WINDOWS_REASONS:
        said = _WINDOWS_REASONS[winerror]
        return _WRITING.get(said, said) if writing else said
    if exc.errno in _REASONS:
        said = _REASONS[exc.errno]
        return _WRITING.get(said, said) if writing else said
    if exc.errno is not None:
        return f"系统错误，代码 {exc.errno}"
    return "系统错误"
