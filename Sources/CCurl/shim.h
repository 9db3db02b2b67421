// curl_easy_setopt and curl_easy_getinfo are variadic C functions, which Swift cannot call.
// These fixed-argument wrappers, one per argument type, are the whole bridge.
#ifndef PORTICO_CCURL_SHIM_H
#define PORTICO_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode portico_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode portico_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode portico_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode portico_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode portico_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*portico_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode portico_curl_setopt_callback(CURL *handle, CURLoption option, portico_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode portico_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode portico_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
// CURLVERSION_NOW is a macro that does not import into Swift.
static inline const curl_version_info_data *portico_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}
#endif
