"""Spanish guidance lines (see bot.review.guidance): a billing clerk's words, same meaning as the English."""
from __future__ import annotations

REASONS: dict[str, str] = {
    "unknown_sender": "El remitente no es contacto de ninguna cuenta: averigüe quién es antes de actuar.",
    "sender_not_authorized": "El remitente es contacto pero no puede mover dinero: confírmelo con un "
                             "contacto autorizado de la cuenta y luego apruebe.",
    "sender_auth_failed": "El correo no pasó las comprobaciones de remitente (SPF/DKIM/DMARC): puede ser "
                          "falso; confírmelo por teléfono o por una dirección conocida.",
    "cross_account": "El correo cita pagos o facturas de otra cuenta: aplique solo lo que es de la cuenta "
                     "del remitente, o rechácelo.",
    "unknown_invoice": "Una factura citada no está en el libro mayor: pida al socio el número correcto.",
    "unknown_payment": "Un pago citado no está en el libro mayor: pida al socio el identificador correcto.",
    "ambiguous_payment": "Varios pagos podrían ser el indicado: elíjalo en el editor, o pregunte.",
    "ambiguous_invoice": "Varias facturas podrían ser la indicada: elíjala en el editor, o pregunte.",
    "amount_mismatch": "Los importes del correo no cuadran con el libro mayor: revíselos y corrija las "
                       "filas.",
    "currency_mismatch": "La moneda del correo no es la del pago o la factura: compruébelo antes de aplicar.",
    "over_allocation": "Se pide más de lo que le queda al pago o de lo pendiente en la factura: baje los "
                       "importes en el editor.",
    "invoice_closed": "Una factura citada ya está pagada: elija otra o avise al socio.",
    "payment_fully_allocated": "El pago citado no tiene saldo: elija otro pago o avise al socio.",
    "no_request_found": "No se encontró ninguna solicitud de asignación en el correo: léalo y trátelo a "
                        "mano, o pregunte.",
    "duplicate": "Este correo ya se recibió: descártelo salvo que pida algo nuevo.",
    "auto_reply": "Una respuesta automática (fuera de la oficina): normalmente, descártela.",
    "bounce": "Una de nuestras respuestas fue devuelta: compruebe la dirección y luego descártela.",
    "loop": "Correos que van y vienen entre robots: descártelos.",
    "list_mail": "Correo de una lista de distribución: normalmente, descártelo.",
    "parse_error": "No se pudo leer el correo: abra el original y trátelo a mano.",
    "ambiguous_account": "El remitente es contacto de varias cuentas: elija las filas de la cuenta en el "
                         "editor.",
    "rate_limited": "El remitente escribió más veces de las permitidas en una hora: compruebe que no sea un "
                    "robot descontrolado.",
    "message_too_large": "El correo es demasiado grande para leerlo: abra el original y trátelo a mano.",
    "message_too_complex": "El correo es demasiado complejo para leerlo con seguridad: abra el original y "
                           "trátelo a mano.",
    "forwarded_request": "La solicitud viene de un correo reenviado: compruebe quién la pide realmente y "
                         "luego apruebe.",
    "unclear_request": "El correo aplaza, condiciona o retira la solicitud: léalo antes de actuar.",
    "unreadable_attachment": "Un aviso de pago adjunto no tenía texto legible (¿un escaneo?): léalo usted.",
    "billing_rejected": "El sistema de facturación rechazó un asiento y su dinero quedó libre: decida de "
                        "nuevo.",
    "billing_discrepancy": "Una importación del libro mayor muestra algo que nuestros asientos no explican: "
                           "revise el sistema de facturación.",
    "database_error": "La decisión falló por un error de base de datos: revise el error y luego apruebe o "
                      "edite.",
    "lookalike_sender": "El dominio del remitente se parece al de una cuenta: posible suplantación; "
                        "confírmelo por teléfono con la cuenta antes de aplicar.",
}

RULES: dict[str, str] = {
    "account": "En qué cuenta se registró la solicitud.",
    "sender_contact": "Si el remitente es un contacto conocido de la cuenta.",
    "sender_role": "Lo que permite el rol del remitente.",
    "sender_auth": "Las comprobaciones de remitente del correo (SPF/DKIM/DMARC).",
    "sender_confirm": "Quién puede confirmar la solicitud de un remitente que no puede mover dinero.",
    "sender_rate_limit": "Cuántas veces escribió el remitente en la hora.",
    "lookalike_sender": "El dominio del remitente se parece al de una cuenta.",
    "request": "Lo que pide el correo.",
    "stance": "Si el correo lo pide ya, o aplaza o condiciona la solicitud.",
    "withdrawn": "El correo retira una solicitud anterior.",
    "forwarded": "La solicitud viene de un correo reenviado.",
    "conversation": "Cómo se relaciona este correo con una pregunta nuestra anterior.",
    "message_limits": "El correo superó un límite de lectura.",
    "payment_id": "El pago que cita el correo.",
    "payment_format": "Texto que parece un identificador de pago pero no lo es.",
    "payment_unnamed": "El correo no cita ningún pago; el bot buscó uno.",
    "payment_amount": "El importe del pago que indica el correo.",
    "payment_reference": "El pago encontrado por su referencia bancaria.",
    "payment_date": "El pago encontrado por la fecha que da el correo.",
    "payment_choice": "Cómo eligió el bot entre varios pagos.",
    "single_unallocated": "La cuenta solo tiene un pago con saldo.",
    "payment_left": "Lo que le queda al pago tras las asignaciones.",
    "invoice": "Una factura que cita el correo.",
    "invoice_format": "Texto que parece un número de factura pero no lo es.",
    "invoices": "Las facturas que abarca la solicitud.",
    "invoice_left": "Lo que queda pendiente en la factura tras las asignaciones.",
    "line_amount": "El importe que el correo asigna a una factura.",
    "line_currency": "La moneda de un importe del correo.",
    "stated_total": "El total que indica el correo.",
    "exact_total": "Si los importes cuadran exactamente con el libro mayor.",
    "covers_all": "Si el pago cubre todas las facturas citadas.",
    "min_rule": "Cuánto se asigna cuando pago y facturas no coinciden (el menor de los dos).",
}
