"""Parses SIEM lines with parsers makestream did not write (PyPI: syslog-rfc5424-parser, pycef).

stdin: one JSON object per line, {"rfc5424": "<message>", "cef": "<CEF line>"}.
stdout: one JSON object per line with what each parser returned (errors as {"error": "..."}).
pycef splits CEF into header and key/value pairs but does not unescape values; that is left to
the caller, who applies the CEF standard's unescaping.
"""
import json
import sys

import pycef
from syslog_rfc5424_parser import SyslogMessage


def parse_rfc5424(text):
    message = SyslogMessage.parse(text)
    return {
        "severity": int(message.severity),
        "facility": int(message.facility),
        "timestamp": message.timestamp,
        "hostname": message.hostname,
        "appname": message.appname,
        "msgid": message.msgid,
        "sd": message.sd,
        "msg": message.msg,
    }


for line in sys.stdin:
    item = json.loads(line)
    out = {}
    for kind, parse in (("rfc5424", parse_rfc5424), ("cef", pycef.parse)):
        try:
            out[kind] = parse(item[kind])
        except Exception as error:  # reported, the test fails on it
            out[kind] = {"error": repr(error)}
    print(json.dumps(out))
