"""Send one message with smtplib and print the address it connected to."""

import smtplib
import sys

host, port, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with smtplib.SMTP(host, port, timeout=10) as smtp:
    print(smtp.sock.getpeername()[0])
    smtp.ehlo("nat64-client.test")
    smtp.sendmail("app@nat64-client.test", ["ops@nat64.test"],
                  "Subject: NAT64 probe\r\n\r\n%s\r\n" % marker)
