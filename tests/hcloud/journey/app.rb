# The seed's own client: a mail worker sending through "SendGrid" with Ruby's
# Net::SMTP, by name, on port 587. Prints how it went, one line:
#   DELIVERED via <address> (ruby <version>)
#   FAILED <exception>: <message> (ruby <version>)
# Usage: ruby app.rb HOST PORT MARKER
require 'net/smtp'

host, port, marker = ARGV
begin
  Net::SMTP.start(host, Integer(port), helo: 'app.twin.test') do |smtp|
    peer = begin
      smtp.instance_variable_get(:@socket).io.remote_address.ip_address
    rescue StandardError
      '?'
    end
    smtp.send_message("Subject: #{marker}\r\n\r\n#{marker}\r\n", 'app@twin.test', 'ops@sendgrid.example')
    puts "DELIVERED via #{peer} (ruby #{RUBY_VERSION})"
  end
rescue SystemCallError, SocketError, IOError, Net::ProtocolError, Timeout::Error => e
  puts "FAILED #{e.class}: #{e.message} (ruby #{RUBY_VERSION})"
  exit 1
end
