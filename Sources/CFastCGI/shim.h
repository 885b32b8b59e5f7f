#pragma once
#include <fcgiapp.h>
// The FastCGI layer's event loop: Swift's Glibc module exports neither.
#include <sys/epoll.h>
#include <sys/eventfd.h>
