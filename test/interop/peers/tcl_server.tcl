# tcllib websocket as a server for a connchan client: echoes, answers "close-me" with a close
# 4004 "tcl bye", and "fragments" with a fragmented text message. Prints its port.
package require websocket

proc handler {sock type msg} {
    switch -- $type {
        text {
            if {$msg eq "close-me"} {
                ::websocket::close $sock 4004 "tcl bye"
            } elseif {$msg eq "fragments"} {
                ::websocket::send $sock text "x" 0
                ::websocket::send $sock text "y" 0
                ::websocket::send $sock text "z" 1
            } else {
                ::websocket::send $sock text $msg
            }
        }
        binary { ::websocket::send $sock binary $msg }
        close { puts [list close {*}$msg]; flush stdout }
    }
}

proc accept {sock addr port} {
    fconfigure $sock -translation {auto crlf}
    fileevent $sock readable [list request $sock]
}

proc request {sock} {
    global srv
    fileevent $sock readable {}
    gets $sock line
    set path [lindex $line 1]
    set hdrs {}
    while {[gets $sock l] > 0} {
        set i [string first : $l]
        lappend hdrs [string trim [string range $l 0 [expr {$i - 1}]]] [string trim [string range $l [expr {$i + 1}] end]]
    }
    if {[::websocket::test $srv $sock $path $hdrs]} {
        ::websocket::upgrade $sock
    } else {
        puts $sock "HTTP/1.1 404 Not Found\nContent-Length: 0\n"
        close $sock
    }
}

set srv [socket -server accept -myaddr 127.0.0.1 0]
::websocket::server $srv
::websocket::live $srv /echo handler
puts [lindex [fconfigure $srv -sockname] 2]
flush stdout
after 30000 exit
vwait forever
