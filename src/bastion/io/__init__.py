"""Live and recorded sensor formats: ASTERIX (CAT021, CAT048, CAT062), Mode S streams (AVR, Beast), pcap.

Decoders turn bytes into bastion's sensor types (:class:`~bastion.sense.types.Detections`,
:class:`~bastion.sense.types.AdsbReports`); encoders write bastion's plots and tracks as real
recordings. Malformed input is counted and skipped, never raised from a stream decoder. This
package sits on the decision side of the information barrier: it never imports ``bastion.world``.
"""
