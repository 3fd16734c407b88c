# Data::Uniqid as biber uses it, made fast: cvbuild puts this folder first in PERL5LIB for the
# biber runs it makes (cvbuild/compile.py, `_biber_env`), and only for those.
#
# biber gives every parsed name an id from Data::Uniqid's suniqid(), which sleeps a microsecond
# and turns the time into base 62 with 42 Math::BigInt operations: about 0.6 ms a name, a third
# of biber's time on a list of 58 entries and 400 names. The ids only tell name objects apart
# inside one biber process (none reaches the .bbl), so a counter does the same job.
# tests/test_biber_ids.py checks that biber writes the same .bbl with and without this file.
package Data::Uniqid;
use strict;
use warnings;
use Exporter 'import';
our $VERSION = '0.12';
our @EXPORT_OK = qw(suniqid uniqid luniqid);
our %EXPORT_TAGS = (all => [@EXPORT_OK]);
my $count = 0;
sub suniqid { return 'cvbuild' . ++$count }
sub uniqid { return suniqid() }
sub luniqid { return suniqid() }
1;
