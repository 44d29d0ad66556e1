/* layout.c: the sizes of libfpq's public structs as this library was built,
 * so a binding compiled against a different fpq.h can refuse to run. */
#include <string.h>

#include "fpq.h"

size_t fpq_struct_size(const char *name)
{
    static const struct {
        const char *name;
        size_t size;
    } sizes[] = {
        {"fpq_format", sizeof(fpq_format)},
        {"fpq_rounding", sizeof(fpq_rounding)},
        {"fpq_landmarks", sizeof(fpq_landmarks)},
        {"fpq_dot_spec", sizeof(fpq_dot_spec)},
    };
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (strcmp(sizes[i].name, name) == 0)
            return sizes[i].size;
    return 0;
}
