/*
 * A QR code as an SVG image, for the ticket page.
 *
 * This is the one place where C writes markup, a reviewed exception: an
 * SVG here is an image format, not page HTML, and it holds numbers only
 * (the module grid); the encoded text never appears in it.  The template
 * places it raw ({{{qr_svg}}}).
 */
#include <string.h>

#include <qrencode.h>

#include "bookings/pages.h"
#include "core/arena.h"
#include "core/buf.h"

/* Light modules around the code, as the QR specification asks. */
#define QR_QUIET	4

/* Whether module (x, y) of the code is dark. */
static int
dark(const QRcode *qr, int x, int y)
{
	return qr->data[y * qr->width + x] & 1;
}

/* One subpath per horizontal run of dark modules. */
static void
add_runs(struct buf *b, const QRcode *qr)
{
	int	 x, y, run;

	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width; x += run > 0 ? run : 1) {
			for (run = 0; x + run < qr->width &&
			    dark(qr, x + run, y); run++)
				;
			if (run > 0)
				buf_printf(b, "M%d %dh%dv1h-%dz", x + QR_QUIET,
				    y + QR_QUIET, run, run);
		}
}

char *
qr_svg(struct arena *a, const char *text)
{
	QRcode		*qr;
	struct buf	 b = BUF_INIT;
	char		*out;
	int		 size;

	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return NULL;
	size = qr->width + 2 * QR_QUIET;
	buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" class=\"qr-code\" role=\"img\" "
	    "aria-label=\"QR code\" shape-rendering=\"crispEdges\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", size, size, size, size);
	add_runs(&b, qr);
	buf_adds(&b, "\"/></svg>");
	QRcode_free(qr);
	out = arena_strdup(a, b.data);
	buf_free(&b);
	return out;
}
