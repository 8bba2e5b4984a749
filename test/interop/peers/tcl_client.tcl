# tcllib websocket as a client of a connchan server. Prints "key value" lines, then "done".
package require websocket
package require tls
http::register https 443 [list ::tls::socket -cafile [lindex $argv 1]]
set url [lindex $argv 0]
set big [string repeat "abcdefgh" 131072]
set step 0

proc out {k v} { puts [list $k $v]; flush stdout }

proc next {sock} {
    global step big
    incr step
    switch -- $step {
        1 { ::websocket::send $sock text "h\u00e9llo" }
        2 { ::websocket::send $sock binary [binary format c* {0 1 2 -1}] }
        3 { ::websocket::send $sock text $big }
        4 { ::websocket::send $sock text "frag" 0; ::websocket::send $sock text "ment" 1 }
        5 { ::websocket::send $sock ping "tcl-ping" }
        6 { ::websocket::close $sock 4003 "tcl bye" }
    }
}

proc handler {sock type msg} {
    global big
    switch -- $type {
        connect { out connect [::websocket::conninfo $sock state]; next $sock }
        text {
            if {[string length $msg] > 1000} { out big [expr {$msg eq $big}] } else { out text $msg }
            next $sock
        }
        binary { binary scan $msg cu* bytes; out binary $bytes; next $sock }
        pong { out pong $msg; next $sock }
        close { out close $msg }
        disconnect { out disconnect 1; puts done; flush stdout; exit 0 }
        error { out error $msg }
    }
}

::websocket::open $url handler
after 15000 { puts timeout; exit 1 }
vwait forever
